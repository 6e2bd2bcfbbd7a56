#!/usr/bin/env python3
"""Module-graph check of src/ (issue 14: layers without cycles).

Builds the dependency graph of the crate's modules from `use crate::...`,
`crate::...::` paths, `super::`/`self::` references, bare child-module
paths in a `mod.rs`, and uses of `#[macro_export]` macros.  Two levels, as
issue 14 names the cycles:

  * between top-level modules (`config` -> `log`), from any file of one to
    any file of the other;
  * inside one top-level module, between its children (`server::request`
    -> `server::connect`); the module's own mod.rs is the node `server`.

Test code (`#[cfg(test)] mod ... { }`) is not counted: the layering is
about what the shipped code depends on.

Every strongly connected component (a cycle) must be listed in the
allow-list (scripts/layer-cycles-allowed.txt, one cycle per line, members
joined by ` <-> `, `#` starts a comment); a cycle not listed fails, and so
does a listed one that no longer exists (remove it from the list when the
re-layout breaks it).  Files over 400 lines and functions over 80 lines
are reported for information only.

Usage: check-layers.py [--src DIR] [--allow FILE] [--quiet-sizes]
       check-layers.py --self-test
"""

import os
import re
import sys
import tempfile

FILE_LIMIT = 400
FN_LIMIT = 80
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ------------------------------------------------------------ lexing
def strip_code(text):
    """Blanks comments, strings and char literals, keeping newlines, so
    paths inside them are not read as references and line counts hold."""
    out = []
    i, n = 0, len(text)

    def blank(s):
        return "".join("\n" if c == "\n" else " " for c in s)

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(blank(text[i:j]))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blank(text[i:j]))
            i = j
        else:
            m = re.compile(r'b?r(#*)"').match(text, i)
            if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
                end = text.find('"' + m.group(1), m.end())
                end = n if end < 0 else end + 1 + len(m.group(1))
                out.append('""' + blank(text[i + 2:end]))
                i = end
                continue
            if c == '"':
                j = i + 1
                while j < n and text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
                out.append('""' + blank(text[i + 2:j + 1]))
                i = j + 1
                continue
            m = re.compile(r"b?'(\\.[^']*|[^'\\])'").match(text, i)
            if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
                out.append(blank(m.group(0)))
                i = m.end()
                continue
            out.append(c)
            i += 1
    return "".join(out)


def matching_brace(code, open_at):
    """Index just past the `}` that closes the `{` at open_at."""
    depth = 0
    for j in range(open_at, len(code)):
        if code[j] == "{":
            depth += 1
        elif code[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(code)


def drop_test_modules(code):
    """Blanks `#[cfg(test)] mod name { ... }` blocks (newlines kept)."""
    pat = re.compile(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*\{")
    while True:
        m = pat.search(code)
        if not m:
            return code
        end = matching_brace(code, m.end() - 1)
        code = code[:m.start()] + re.sub(r"[^\n]", " ", code[m.start():end]) + code[end:]


def expand_use_tree(tree):
    """`a::{b, c::{d, self}}` -> [['a','b'], ['a','c','d'], ['a','c']]."""
    tree = re.sub(r"\s+as\s+\w+", "", tree)
    tree = re.sub(r"\s+", "", tree)

    def parse(s, prefix):
        paths, depth, start = [], 0, 0
        parts = []
        for i, ch in enumerate(s):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                parts.append(s[start:i])
                start = i + 1
        parts.append(s[start:])
        for part in parts:
            if not part:
                continue
            brace = part.find("{")
            if brace >= 0:
                head = [x for x in part[:brace].split("::") if x]
                paths += parse(part[brace + 1:part.rfind("}")], prefix + head)
            else:
                segs = [x for x in part.split("::") if x]
                if segs == ["self"]:
                    paths.append(prefix)
                elif segs != ["*"]:
                    paths.append(prefix + [x for x in segs if x != "*"])
                else:
                    paths.append(prefix)
        return paths

    return parse(tree, [])


# ------------------------------------------------------------ the crate
class Crate:
    """Files of src/ with their module paths (lists of segments)."""

    def __init__(self, src):
        self.src = src
        self.files = {}  # relative path -> module path segments
        for dirpath, _, names in os.walk(src):
            for name in names:
                if not name.endswith(".rs"):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), src)
                parts = rel[:-3].split(os.sep)
                if parts[-1] == "mod":
                    parts = parts[:-1]
                if parts in (["lib"], ["main"]):
                    continue
                self.files[rel] = parts
        self.modules = {tuple(p[:k]) for p in self.files.values() for k in range(1, len(p) + 1)}
        self.macros = {}
        self.code = {}
        for rel in self.files:
            with open(os.path.join(src, rel), encoding="utf-8", errors="replace") as f:
                raw = f.read()
            code = strip_code(raw)
            self.code[rel] = code
            for m in re.finditer(r"#\[macro_export\]\s*macro_rules!\s*(\w+)", code):
                self.macros[m.group(1)] = self.files[rel]

    def node(self, segs):
        """The graph node of an absolute module path, or None."""
        if not segs or (segs[0],) not in self.modules:
            return None
        if len(segs) > 1 and (segs[0], segs[1]) in self.modules:
            return segs[0] + "::" + segs[1]
        return segs[0]

    def resolve(self, here, path):
        """Absolute segments of `path` as written in module `here`."""
        if path[0] == "crate":
            if len(path) == 2 and path[1] in self.macros:
                return self.macros[path[1]]
            return path[1:]
        if path[0] in ("self", "super"):
            base = list(here)
            rest = list(path)
            if rest[0] == "self":
                rest = rest[1:]
            while rest and rest[0] == "super":
                base = base[:-1]
                rest = rest[1:]
            return base + rest
        if len(path) > 1 and tuple(here + [path[0]]) in self.modules:
            return here + path  # a child module named bare (mod.rs scope)
        if path[0] in self.macros:
            return self.macros[path[0]]
        return None

    def references(self, rel):
        """Absolute module paths the (non-test) code of a file refers to."""
        here = self.files[rel]
        code = drop_test_modules(self.code[rel])
        found = []
        for m in re.finditer(r"\buse\s+([^;]+);", code):
            for p in expand_use_tree(m.group(1)):
                if p:
                    found.append(p)
        rest = re.sub(r"\buse\s+[^;]+;", " ", code)
        for m in re.finditer(r"(?<![\w:])((?:\w+::)+\w+)", rest):
            found.append(m.group(1).split("::"))
        for m in re.finditer(r"(?<![\w:])(\w+)!", rest):
            if m.group(1) in self.macros:
                found.append(["crate"] + self.macros[m.group(1)])
        out = []
        for p in found:
            if p[0] in self.macros and len(p) == 1:
                out.append(self.macros[p[0]])
                continue
            absolute = self.resolve(here, p)
            if absolute:
                out.append(absolute)
        return out

    def graphs(self):
        """(top-level edges, {top: child-level edges}), as sets of pairs."""
        top, inner = set(), {}
        for rel, here in self.files.items():
            src_node = self.node(here)
            for target in self.references(rel):
                dst_node = self.node(target)
                if dst_node is None or dst_node == src_node:
                    continue
                a, b = here[0], target[0]
                if a != b:
                    top.add((a, b))
                else:
                    inner.setdefault(a, set()).add((src_node, dst_node))
        return top, inner


# ------------------------------------------------------------ cycles
def sccs(edges):
    """Strongly connected components with more than one node (Tarjan)."""
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(tuple(sorted(comp)))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def find_cycles(src):
    top, inner = Crate(src).graphs()
    cycles = sccs(top)
    for edges in inner.values():
        cycles += sccs(edges)
    return sorted(cycles)


def read_allowed(path):
    allowed = set()
    if not os.path.exists(path):
        return allowed
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                allowed.add(tuple(sorted(x.strip() for x in line.split("<->"))))
    return allowed


def show(cycle):
    return " <-> ".join(cycle)


# ------------------------------------------------------------ sizes
def sizes(src):
    """(files over FILE_LIMIT lines, functions over FN_LIMIT lines)."""
    big_files, big_fns = [], []
    for dirpath, _, names in os.walk(src):
        for name in sorted(names):
            if not name.endswith(".rs"):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, src)
            with open(path, encoding="utf-8", errors="replace") as f:
                raw = f.read()
            lines = raw.count("\n")
            if lines > FILE_LIMIT:
                big_files.append((lines, rel))
            code = strip_code(raw)
            for m in re.finditer(r"\bfn\s+(\w+)[^;{]*\{", code):
                end = matching_brace(code, m.end() - 1)
                length = code.count("\n", m.start(), end) + 1
                if length > FN_LIMIT:
                    line = code.count("\n", 0, m.start()) + 1
                    big_fns.append((length, f"{rel}:{line} {m.group(1)}"))
    return sorted(big_files, reverse=True), sorted(big_fns, reverse=True)


# ------------------------------------------------------------ main
def check(src, allow_path, show_sizes=True):
    """Prints the report; returns the exit status (0 when no new or stale
    cycle)."""
    cycles = find_cycles(src)
    allowed = read_allowed(allow_path)
    found = set(cycles)
    print(f"check-layers: {len(cycles)} cycle(s) in the module graph of {src}")
    for c in cycles:
        print(f"  {'allowed' if c in allowed else 'NEW    '}  {show(c)}")
    new = [c for c in cycles if c not in allowed]
    stale = sorted(allowed - found)
    for c in stale:
        print(f"  STALE    {show(c)} (no longer a cycle: remove it from {allow_path})")
    if show_sizes:
        files, fns = sizes(src)
        print(f"check-layers: {len(files)} file(s) over {FILE_LIMIT} lines (information)")
        for n, what in files:
            print(f"  {n:5d}  {what}")
        print(f"check-layers: {len(fns)} function(s) over {FN_LIMIT} lines (information)")
        for n, what in fns:
            print(f"  {n:5d}  {what}")
    if new:
        print(f"check-layers: FAIL: {len(new)} new cycle(s); break them (issue 14: no cycles "
              f"between modules)", file=sys.stderr)
    if stale:
        print(f"check-layers: FAIL: {len(stale)} stale entr(y/ies) in {allow_path}",
              file=sys.stderr)
    return 1 if new or stale else 0


def self_test():
    """A synthetic crate: a cycle is found, fails unless allowed, and a
    stale allow entry fails too."""
    files = {
        "lib.rs": "pub mod a;\npub mod b;\npub mod c;\npub mod d;\n",
        "a.rs": "use crate::b::thing;\n/// crate::c::x in a comment\n",
        "b.rs": "pub fn thing() { crate::a::other(); let s = \"crate::c::y\"; }\n",
        "c/mod.rs": "mod p;\nmod q;\npub use p::P;\n",
        "c/p.rs": "use super::q::Q;\n#[cfg(test)]\nmod tests { use crate::a::x; }\n",
        "c/q.rs": "use super::{p::P as Pee};\nfn f() { let _ = crate::log_it!(); }\n",
        "d.rs": "#[macro_export]\nmacro_rules! log_it { () => { 1 } }\nfn g() { crate::c::p::P; }\n",
    }
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(src, rel)), exist_ok=True)
            with open(os.path.join(src, rel), "w") as f:
                f.write(text)
        # c::q -> d through the exported macro, d -> c::p: c <-> d at the
        # top level; the comment, string and test-module paths count not.
        want = [("a", "b"), ("c", "d"), ("c::p", "c::q")]
        got = find_cycles(src)
        if got != want:
            print(f"self-test: cycles {got}, want {want}", file=sys.stderr)
            ok = False
        allow = os.path.join(tmp, "allowed.txt")
        cases = [
            ("", 1),
            ("a <-> b\nc <-> d\n", 1),
            ("a <-> b\nc <-> d\nc::q <-> c::p  # to be removed\n", 0),
            ("a <-> b\nc <-> d\nc::p <-> c::q\nb <-> c\n", 1),
        ]
        for text, status in cases:
            with open(allow, "w") as f:
                f.write(text)
            got_status = check(src, allow, show_sizes=False)
            if got_status != status:
                print(f"self-test: allow-list {text!r}: status {got_status}, want {status}",
                      file=sys.stderr)
                ok = False
    print("check-layers: self-test", "passed" if ok else "FAILED")
    return 0 if ok else 1


def main(argv):
    src = os.path.join(ROOT, "src")
    allow = os.path.join(ROOT, "scripts", "layer-cycles-allowed.txt")
    show_sizes = True
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--self-test":
            return self_test()
        if a == "--src" and args:
            src = args.pop(0)
        elif a == "--allow" and args:
            allow = args.pop(0)
        elif a == "--quiet-sizes":
            show_sizes = False
        else:
            print(__doc__, file=sys.stderr)
            return 2
    return check(src, allow, show_sizes)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
