"""Training: preprocess, extract, train, index and export, each a plain function over files on disk."""
