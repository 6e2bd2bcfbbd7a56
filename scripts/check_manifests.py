#!/usr/bin/env python3
"""Cross-file checks of deploy/k8s that schema validators and checkov miss.

Each check is about two objects agreeing with each other: selectors and
labels, mounts and volumes, the ConfigMap key and the file the proxy reads,
and the proxy's Port with the container and Service ports.  Exits 1 and
lists every problem found.

Usage: check_manifests.py DIR   (DIR holds the *.yaml manifests)
"""
import re
import sys
from pathlib import Path

import yaml

DEFAULT_CONFIG = "/etc/tinyproxy/tinyproxy.conf"
# Where tinyproxy configs write pid and log files: with a read-only root
# filesystem each needs a writable volume.
WRITABLE_DIRS = ("/tmp", "/run/tinyproxy", "/var/log/tinyproxy")
METADATA_ADDRESS = "169.254.169.254/32"


def load(directory):
    """All documents of all *.yaml files, grouped by (kind, name)."""
    objs = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            # kustomization.yaml configures kustomize; it is not an object.
            if doc and doc.get("kind") != "Kustomization":
                objs[(doc["kind"], doc["metadata"]["name"])] = doc
    return objs


def of_kind(objs, kind):
    return [o for (k, _), o in objs.items() if k == kind]


def selects(selector, labels):
    """True when every selector label is among the labels."""
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def config_path(container):
    """The config file tinyproxy reads: the -c argument or the default."""
    argv = (container.get("command") or []) + (container.get("args") or [])
    for i, arg in enumerate(argv):
        if arg == "-c" and i + 1 < len(argv):
            return argv[i + 1]
    return DEFAULT_CONFIG


def admin_port(container):
    """The port of `--admin ADDR:PORT` (or `--admin=ADDR:PORT`), if any."""
    argv = (container.get("command") or []) + (container.get("args") or [])
    for i, arg in enumerate(argv):
        value = None
        if arg == "--admin" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--admin="):
            value = arg.split("=", 1)[1]
        if value and value.rsplit(":", 1)[-1].isdigit():
            return int(value.rsplit(":", 1)[-1])
    return None


# The admin path each probe must ask (src/app/admin.rs).
PROBE_PATHS = {"readinessProbe": "/readyz", "livenessProbe": "/livez"}


def check_probes(cname, c, port, cports, errors):
    """tcpSocket probes on the proxy Port, httpGet probes on --admin."""
    admin = admin_port(c)
    by_name = {name: number for number, name in cports.items() if name}
    for probe, path in PROBE_PATHS.items():
        spec = c.get(probe, {})
        if "httpGet" in spec:
            hport = spec["httpGet"].get("port")
            hport = by_name.get(hport, hport)
            if admin is None or hport != admin or admin not in cports:
                errors.append(f"{cname}: {probe} httpGet port {hport} is not the --admin containerPort {admin}")
            if spec["httpGet"].get("path") != path:
                errors.append(f"{cname}: {probe} path {spec['httpGet'].get('path')} != {path}")
            continue
        pport = spec.get("tcpSocket", {}).get("port")
        if pport not in (port, cports.get(port)):
            errors.append(f"{cname}: {probe} port {pport} != Port {port}")


def check_hpa(objs, errors):
    for hpa in of_kind(objs, "HorizontalPodAutoscaler"):
        name = hpa["metadata"]["name"]
        ref = hpa["spec"]["scaleTargetRef"]
        if ref.get("kind") != "Deployment" or ("Deployment", ref.get("name")) not in objs:
            errors.append(f"HorizontalPodAutoscaler {name}: scaleTargetRef {ref} is not a Deployment here")
        if hpa["spec"].get("minReplicas", 1) < 2:
            errors.append(f"HorizontalPodAutoscaler {name}: minReplicas below 2")


def conf_port(text):
    """The last Port directive of a tinyproxy.conf text (last one wins)."""
    port = None
    for line in text.splitlines():
        m = re.match(r"^[ \t]*port[ \t]+([0-9]+)[ \t]*$", line, re.IGNORECASE)
        if m:
            port = int(m.group(1), 8 if m.group(1).startswith("0") else 10)
    return port


def check_conf_text(name, text, errors):
    """tinyproxy grammar traps that a YAML edit easily introduces."""
    for n, line in enumerate(text.splitlines(), 1):
        if "\r" in line:
            errors.append(f"{name} line {n}: carriage return")
        if re.match(r"^[ \t]+#", line):
            errors.append(f"{name} line {n}: '#' must be in column 1")
        elif not line.startswith("#") and re.search(r"[ \t]#", line):
            errors.append(f"{name} line {n}: no trailing comments in tinyproxy.conf")


def check_deployment(dep, objs, errors):
    name = dep["metadata"]["name"]
    spec = dep["spec"]
    tmpl = spec["template"]
    labels = tmpl["metadata"].get("labels", {})
    if not selects(spec["selector"].get("matchLabels"), labels):
        errors.append(f"Deployment {name}: selector does not match template labels")
    if spec.get("replicas", 1) < 2:
        errors.append(f"Deployment {name}: fewer than 2 replicas")
    pod = tmpl["spec"]
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    ports = []
    for c in pod["containers"]:
        cname = f"Deployment {name} container {c['name']}"
        mounts = c.get("volumeMounts", [])
        for m in mounts:
            if m["name"] not in volumes:
                errors.append(f"{cname}: volumeMount {m['name']} has no volume")
        cfg = config_path(c)
        found = None
        for m in mounts:
            vol = volumes.get(m["name"], {})
            if "configMap" not in vol:
                continue
            if "subPath" in m:
                errors.append(f"{cname}: ConfigMap mounted with subPath (never updated; breaks --watch-config)")
            cm_name = vol["configMap"]["name"]
            cm = objs.get(("ConfigMap", cm_name))
            if cm is None:
                errors.append(f"{cname}: volume {m['name']} names missing ConfigMap {cm_name}")
                continue
            for key, text in cm.get("data", {}).items():
                if m["mountPath"].rstrip("/") + "/" + key == cfg:
                    found = (cm_name, text)
        if found is None:
            errors.append(f"{cname}: no ConfigMap key is mounted at {cfg}")
            continue
        check_conf_text(f"ConfigMap {found[0]}", found[1], errors)
        port = conf_port(found[1])
        if port is None:
            errors.append(f"ConfigMap {found[0]}: no Port directive")
        cports = {p["containerPort"]: p.get("name") for p in c.get("ports", [])}
        if port not in cports:
            errors.append(f"{cname}: containerPort {sorted(cports)} != Port {port} of the config")
        check_probes(cname, c, port, cports, errors)
        ports.append((port, cports.get(port)))
        check_container_runtime(cname, c, volumes, errors)
    return labels, ports


def check_container_runtime(cname, c, volumes, errors):
    """Read-only root: emptyDirs where configs write; a preStop sleep."""
    if c.get("securityContext", {}).get("readOnlyRootFilesystem"):
        mounted = {m["mountPath"].rstrip("/"): m["name"] for m in c.get("volumeMounts", [])}
        for d in WRITABLE_DIRS:
            vol = volumes.get(mounted.get(d), {})
            if "emptyDir" not in vol:
                errors.append(f"{cname}: read-only root filesystem but no emptyDir at {d}")
    sleep = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {})
    if not sleep.get("seconds"):
        errors.append(f"{cname}: no lifecycle.preStop.sleep (endpoints must drop the pod first)")


def check_selectors(objs, labels, ports, errors):
    for svc in of_kind(objs, "Service"):
        name = svc["metadata"]["name"]
        if not selects(svc["spec"].get("selector"), labels):
            errors.append(f"Service {name}: selector does not match the pods")
        for p in svc["spec"]["ports"]:
            target = p.get("targetPort", p["port"])
            if not any(target in pair for pair in ports):
                errors.append(f"Service {name}: targetPort {target} is not the proxy Port {ports}")
    for pdb in of_kind(objs, "PodDisruptionBudget"):
        pname = pdb["metadata"]["name"]
        if not selects(pdb["spec"]["selector"].get("matchLabels"), labels):
            errors.append(f"PodDisruptionBudget {pname}: selector does not match the pods")
        if "minAvailable" in pdb["spec"] or pdb["spec"].get("maxUnavailable") != 1:
            errors.append(f"PodDisruptionBudget {pname}: want maxUnavailable: 1 (minAvailable blocks drains at one replica)")
    for np in of_kind(objs, "NetworkPolicy"):
        if not selects(np["spec"]["podSelector"].get("matchLabels"), labels):
            errors.append(f"NetworkPolicy {np['metadata']['name']}: podSelector does not match the pods")
        allowed = {p.get("port") for rule in np["spec"].get("ingress", []) for p in rule.get("ports", [])}
        if not any(set(pair) & allowed for pair in ports):
            errors.append(f"NetworkPolicy {np['metadata']['name']}: proxy port not in ingress ports {allowed}")
        check_admin_ingress(np, objs, ports, errors)
        check_egress(np, errors)


def check_admin_ingress(np, objs, ports, errors):
    """The admin port never shares the proxy clients' ingress rule: they
    would read /config and could hold the admin's few connections."""
    admin = set()
    for dep in of_kind(objs, "Deployment"):
        for c in dep["spec"]["template"]["spec"].get("containers", []):
            port = admin_port(c)
            if port is not None:
                admin |= {port, *(p.get("name") for p in c.get("ports", []) if p["containerPort"] == port)}
    proxy = {x for pair in ports for x in pair if x is not None}
    for rule in np["spec"].get("ingress", []):
        rule_ports = {p.get("port") for p in rule.get("ports", [])}

        def covers(wanted, rule_ports=rule_ports):
            # A rule without ports admits every port.
            return not rule_ports or bool(rule_ports & wanted)

        if admin and covers(admin) and covers(proxy):
            errors.append(f"NetworkPolicy {np['metadata']['name']}: the admin port is open to the proxy's clients (give it its own ingress rule)")


def check_egress(np, errors):
    """Egress must exist and keep the cloud metadata address out."""
    name = np["metadata"]["name"]
    rules = np["spec"].get("egress")
    if "Egress" not in np["spec"].get("policyTypes", []) or not rules:
        errors.append(f"NetworkPolicy {name}: no egress rules")
        return
    for rule in rules:
        peers = rule.get("to", [])
        if not peers:
            errors.append(f"NetworkPolicy {name}: an egress rule allows every address, {METADATA_ADDRESS} included")
        for peer in peers:
            block = peer.get("ipBlock")
            if block is None:
                continue
            if block["cidr"] == "0.0.0.0/0" and METADATA_ADDRESS not in block.get("except", []):
                errors.append(f"NetworkPolicy {name}: egress to 0.0.0.0/0 without except {METADATA_ADDRESS}")


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    objs = load(argv[1])
    errors = []
    deps = of_kind(objs, "Deployment")
    if not deps:
        errors.append("no Deployment found")
    for dep in deps:
        labels, ports = check_deployment(dep, objs, errors)
        check_selectors(objs, labels, ports, errors)
    check_hpa(objs, errors)
    for e in errors:
        print(f"check_manifests: {e}", file=sys.stderr)
    if not errors:
        print(f"check_manifests: {len(objs)} objects consistent")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
