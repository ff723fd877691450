"""The ingest pipeline: files are read (`loaders`, risky formats in `sandbox`), cut into chunks (`chunking`),
embedded (`embeddings`, `e5_weights`) and written to the store (`ingest`)."""
