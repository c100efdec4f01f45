"""Order-flow and microstructure features from L2 books and trades."""
