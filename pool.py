import sys, threading, urllib3
proxy, base, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
pm = urllib3.ProxyManager(proxy, num_pools=1, maxsize=n, block=True,
                          retries=urllib3.Retry(total=3, backoff_factor=0))
def round_(tag):
    got = threading.Barrier(n)
    errors = []
    def one(i):
        try:
            r = pm.request("GET", f"{base}/{tag}{i}", preload_content=False)
            got.wait(timeout=20)   # every connection checked out at once
            body = r.read()
            r.release_conn()
            if r.status != 200 or not body.startswith(b"ECHO-OF-REQUEST"):
                errors.append((i, r.status))
        except Exception as e:
            errors.append((i, repr(e)))
    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    return errors
e = round_("pool")
print("READY" if not e else f"ERRORS {e}", flush=True)
sys.stdin.readline()
e = round_("again")
print("AGAIN-OK" if not e else f"ERRORS {e}", flush=True)
