# The sandbox's AWS emulator: moto_server (moto 5.2.x) with one fix for auth-enforced S3, getmoto/moto#5948 (open; its
# fix, PR #5949, was never merged). moto recomputes SigV4 over the query string as werkzeug has already decoded it
# ("prefix=backups/" instead of "prefix=backups%2F"), so every signed request with "/" (or another reserved character)
# in a query value fails with SignatureDoesNotMatch: ListObjectsV2 with a delimiter, as Velero and Lifeboat list. The
# fix re-encodes the query the way SigV4's canonical request does (RFC 3986, unreserved characters only) before moto
# signs it. The patch wraps a moto internal, so the launcher refuses any moto but 5.2.x. A second fix makes HeadBucket
# need s3:ListBucket, as on AWS (below).
#
#   python3 sandbox/storage/moto-server.py -H 127.0.0.1 -p PORT    moto_server's own flags
#   python3 sandbox/storage/moto-server.py --check                 the checks below only; exit 0 when moto is usable
#
# Exit status 3 (with one line on stderr saying how to get moto) when moto is missing, is not 5.2.x, lacks its server
# extra, or lacks the patched internal; sandbox/storage/moto.ts reports that line as the reason there is no AWS.
import sys
from urllib.parse import quote, unquote, urlsplit

UNAVAILABLE = 3
INSTALL = 'pip install "moto[server]==5.2.1"'


def unavailable(reason: str) -> None:
    print(f"moto-server.py: {reason}; install it with: {INSTALL}", file=sys.stderr)
    sys.exit(UNAVAILABLE)


try:
    import moto
except ImportError as e:
    # A moto_server command elsewhere (pipx, another Python) does not help: the fix below patches moto in this process.
    unavailable(f"python3 ({sys.executable}) cannot import moto ({e})")

version = str(getattr(moto, "__version__", "unknown"))
if not version.startswith("5.2."):
    unavailable(f"moto {version} is installed, but this launcher patches moto 5.2.x internals")

try:
    from moto.iam import access_control
except ImportError as e:
    unavailable(f"moto {version} has no moto.iam.access_control, which this launcher patches ({e})")
_original = getattr(getattr(access_control, "IAMRequestBase", None), "_create_aws_request", None)
if not callable(_original):
    unavailable(f"moto {version} has no IAMRequestBase._create_aws_request, which this launcher patches")

try:
    from moto.server import main
except ImportError as e:
    unavailable(f"moto {version} is installed without its server extra ({e})")


def _canonical_query(query: str) -> str:
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append(f"{quote(unquote(key), safe='-_.~')}={quote(unquote(value), safe='-_.~')}")
    return "&".join(pairs)


def _create_aws_request(self):
    parts = urlsplit(self._path)
    if parts.query:
        self._path = f"{parts.path}?{_canonical_query(parts.query)}"
    return _original(self)


access_control.IAMRequestBase._create_aws_request = _create_aws_request

# Second fix: moto authorizes HeadBucket as the action "s3:HeadBucket", which IAM does not have; AWS authorizes it
# as s3:ListBucket (the S3 API reference, HeadBucket: "you must have the s3:ListBucket permission"). A least-privilege
# policy (as the managed location's Velero user has: s3:ListBucket on the bucket) is then refused HeadBucket by moto
# only. Map it to the action AWS checks.
try:
    from moto.s3 import responses as _s3_responses

    _s3_responses.ACTION_MAP["BUCKET"]["HEAD"]["DEFAULT"] = "ListBucket"
except (ImportError, KeyError) as exc:  # another moto layout: say so rather than test against the wrong rule
    unavailable(f"moto {version} has no s3 ACTION_MAP to map HeadBucket to s3:ListBucket ({exc})")

if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        print(f"moto {version}: usable")
        sys.exit(0)
    sys.exit(main())
