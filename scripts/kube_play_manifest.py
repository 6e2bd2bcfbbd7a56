#!/usr/bin/env python3
"""Writes a copy of deploy/k8s's ConfigMap and Deployment that `podman kube
play` can run on a test machine (used by scripts/test-image.sh).

Changes from the real manifests, and why:
  * image: the locally built tag, imagePullPolicy Never (no registry);
  * replicas 1 (each pod listens on the same host port);
  * hostNetwork, the proxy's Port on a free port and `Listen 127.0.0.1`
    added to the config: every test connection stays on loopback (no
    bridge network, no private range); `--admin` on 127.0.0.1:0.  No ports list (podman refuses
    port mappings with host networking) and no probes (podman runs them
    from systemd timers, which test machines lack);
  * the podAntiAffinity is dropped (there is one node).
Everything else -- securityContext, args, the ConfigMap mounted as a
directory -- is kept, so the test runs what a cluster would run.

Usage: kube_play_manifest.py K8S_DIR IMAGE PORT > play.yaml
"""
import re
import sys
from pathlib import Path

import yaml


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    k8s, image, port = Path(argv[1]), argv[2], int(argv[3])
    cm = yaml.safe_load((k8s / "configmap.yaml").read_text())
    dep = yaml.safe_load((k8s / "deployment.yaml").read_text())

    conf = cm["data"]["tinyproxy.conf"]
    conf = re.sub(r"(?im)^port[ \t]+[0-9]+[ \t]*$", f"Port {port}", conf)
    cm["data"]["tinyproxy.conf"] = conf + "Listen 127.0.0.1\n"

    dep["spec"]["replicas"] = 1
    pod = dep["spec"]["template"]["spec"]
    pod["hostNetwork"] = True
    pod.pop("affinity", None)
    for c in pod["containers"]:
        c["image"] = image
        c["imagePullPolicy"] = "Never"
        # No hostPort/hostIP: podman refuses port mappings with host
        # networking, and `Listen 127.0.0.1` already pins the address.
        c.pop("ports", None)
        # podman runs probes from systemd timers, which the test machine
        # lacks; test-image.sh waits for the port itself.
        c.pop("readinessProbe", None)
        c.pop("livenessProbe", None)
        # The admin listener on loopback too, on a port the kernel picks.
        args = c.get("args") or []
        for i, arg in enumerate(args[:-1]):
            if arg == "--admin":
                args[i + 1] = "127.0.0.1:0"
    yaml.safe_dump_all([cm, dep], sys.stdout, sort_keys=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
