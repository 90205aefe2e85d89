"""Class tools for TAs: batch (a class, one sub-folder per student, with its results store),
batch_dask (the same on Dask workers), merge (shards into one gradebook), analytics (the class page)."""
