"""Container health check of the BSrE sandbox (compose `dev` profile only).

The slim Python image has no curl or wget, so the check is a few lines of
standard library. It asks the sandbox's own unauthenticated health route and
succeeds only on a 2xx answer.
"""

import os
import sys
import urllib.error
import urllib.request

URL = "http://127.0.0.1:{port}{path}".format(
    port=os.environ.get("BSRE_SANDBOX_PORT", "8020"),
    path=os.environ.get("BSRE_HEALTH_PATH", "/_sandbox/health"),
)


def main() -> int:
    try:
        with urllib.request.urlopen(URL, timeout=4) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        print(f"BSrE sandbox not answering at {URL}: {exc}", file=sys.stderr)
        return 1
    if not 200 <= status < 300:
        print(f"BSrE sandbox at {URL} answered HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
