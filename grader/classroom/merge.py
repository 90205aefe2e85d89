"""`python -m grader merge --out grades.csv SHARD ...`: one gradebook from `batch --shard` runs."""
from grader.classroom import batch


def add_arguments(parser):
    parser.add_argument("shards", nargs="+", metavar="SHARD",
                        help="the shards' CSV files (their result folders are found beside them) or result folders")
    parser.add_argument("--out", default="grades.csv", help="the merged gradebook (default: grades.csv)")


def run(args):
    return batch.run_merge(args.out, args.shards)
