#!/usr/bin/env python3
"""Checks that every `../src/...rs#L<n>` link in docs/ points at the item it
names, so the guide cannot drift from the code (issue 17).

A link `[`Core::tick`](../src/runtime/scheduler.rs#L339)` is right when line
339 of that file defines `tick` (fn, struct, enum, trait, type, const,
static, mod, or a `thread_local!`/macro item of that name). A link whose
text is a file name (`[`context.rs`](...#L17)`) or prose (not in
backticks) only needs the line to exist and not be blank. Prints every wrong link with the lines where its
item is defined, and exits 1 if there is one. With `--fix`, moves each
such link to the nearest line that defines its item, instead.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LINK = re.compile(r"\[([^\]]+)\]\((\.\./src/[^)#]+\.rs)#L(\d+)\)")
DEFINES = r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:unsafe\s+)?(?:const\s+)?(?:fn|struct|enum|trait|type|const|static|mod|macro_rules!)\s+{name}\b|^\s*(?:pub(?:\([^)]*\))?\s+)?static\s+{name}\b"


def item_name(text):
    """The item a link's text names: only code (`in backticks`) names one."""
    if not (text.startswith("`") and text.endswith("`")):
        return None
    text = text.strip("`").rstrip("()")
    if text.endswith(".rs"):
        return None
    return re.split(r"::|\.", text)[-1].strip("`()")


def fix(doc):
    """Moves each link of `doc` whose item moved to its nearest definition."""

    def moved(match):
        text, target, at = match.group(1), match.group(2), int(match.group(3))
        name = item_name(text)
        source = (doc.parent / target).resolve()
        if name is None or not source.is_file():
            return match.group(0)
        lines = source.read_text().splitlines()
        pattern = re.compile(DEFINES.format(name=re.escape(name)))
        if at <= len(lines) and pattern.search(lines[at - 1]):
            return match.group(0)
        found = [i for i, l in enumerate(lines, 1) if pattern.search(l)]
        if not found:
            return match.group(0)
        return f"[{text}]({target}#L{min(found, key=lambda i: abs(i - at))})"

    doc.write_text(LINK.sub(moved, doc.read_text()))


def main():
    if "--fix" in sys.argv[1:]:
        for doc in sorted((ROOT / "docs").glob("*.md")):
            fix(doc)
    bad = 0
    for doc in sorted((ROOT / "docs").glob("*.md")):
        for number, line in enumerate(doc.read_text().splitlines(), 1):
            for text, target, at in LINK.findall(line):
                source = (doc.parent / target).resolve()
                where = f"{doc.relative_to(ROOT)}:{number}: [{text}]({target}#L{at})"
                if not source.is_file():
                    print(f"{where}: no such file")
                    bad += 1
                    continue
                lines = source.read_text().splitlines()
                at = int(at)
                name = item_name(text)
                if at < 1 or at > len(lines) or not lines[at - 1].strip():
                    print(f"{where}: line {at} is blank or past the end ({len(lines)} lines)")
                    bad += 1
                    continue
                if name is None:
                    continue
                pattern = re.compile(DEFINES.format(name=re.escape(name)))
                if pattern.search(lines[at - 1]):
                    continue
                found = [str(i) for i, l in enumerate(lines, 1) if pattern.search(l)]
                hint = f"defined at line(s) {', '.join(found)}" if found else "not defined in that file"
                print(f"{where}: line {at} does not define `{name}` ({hint})")
                bad += 1
    if bad:
        print(
            f"{bad} link(s) in docs/ point at the wrong line: fix them (the hint says where; "
            "`python3 .ci/check_doc_links.py --fix` moves each to its item's nearest definition)"
        )
        return 1
    print("every src/...#L link in docs/ points at its item")
    return 0


if __name__ == "__main__":
    sys.exit(main())
