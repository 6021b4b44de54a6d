#!/usr/bin/env python3
"""jsonfmt.py - lay out ndrguard's one-line JSON verdicts one value a line.

Reads JSON lines on stdin, writes them indented on stdout.  Only white space
outside strings is added: every token (numbers such as 0.90 included) stays
byte for byte as ndrguard wrote it, so a .ref file compares exactly and a
change shows up in a unified diff as the one field that moved.
"""
import sys


def layout(line):
    out = []
    depth = 0
    i = 0
    n = len(line)
    in_str = False
    while i < n:
        c = line[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(line[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            out.append(c)
        elif c in "{[":
            close = "}" if c == "{" else "]"
            if i + 1 < n and line[i + 1] == close:
                out.append(c + close)
                i += 1
            else:
                depth += 1
                out.append(c + "\n" + "  " * depth)
        elif c in "}]":
            depth -= 1
            out.append("\n" + "  " * depth + c)
        elif c == ",":
            out.append(",\n" + "  " * depth)
        elif c == ":":
            out.append(": ")
        elif c in " \t\r\n":
            pass
        else:
            out.append(c)
        i += 1
    return "".join(out)


def main():
    data = sys.stdin.buffer.read().decode("utf-8", errors="surrogateescape")
    for line in data.splitlines():
        if line.strip():
            sys.stdout.buffer.write((layout(line) + "\n").encode("utf-8", errors="surrogateescape"))


if __name__ == "__main__":
    main()
