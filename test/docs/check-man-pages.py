#!/usr/bin/env python3
"""Checks man/: every page renders without a warning, has the sections a
reader looks for, and agrees with the programs.

  check-man-pages.py SOURCE_DIR BIN_DIR

* Each page passes `mandoc -T lint` and `groff -ww -z` without a warning,
  and `man -l` renders it, as a person reads it, with its sections; an alias
  page (`.so man1/PAGE`) renders its target's page from an installed
  hierarchy (`man -M`).
* clang-dist(1) documents every option and environment variable of
  `clang-dist --help`'s own section, clang-dist-worker(1) every option of
  `clang-dist-worker --help`, and dist.conf(5) every setting the config
  parser (lib/Config/Config.cpp) accepts; and no page documents an option or
  a setting the program does not take. `--help` and `--version`, which no
  --help lists for itself, must then do what they say: exit 0 at once.

Every failure is named; the exit status is 1 if there was any.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SECTIONS = {
    "1": ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "ENVIRONMENT", "FILES",
          "EXIT STATUS", "EXAMPLES", "SEE ALSO"],
    "5": ["NAME", "SYNOPSIS", "DESCRIPTION", "SETTINGS", "FILES", "EXAMPLES",
          "SEE ALSO"],
}
ENV = dict(os.environ, LC_ALL="C", MANWIDTH="80", MAN_KEEP_FORMATTING="")

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def run(cmd, **kwargs):
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV,
                          **kwargs)


def render(page, hierarchy=None):
    """The page as `man` shows it, plain text; None (and a failure) if man
    complains."""
    cmd = ["man", "--warnings=w"]
    cmd += ["-M", hierarchy, page] if hierarchy else ["-l", page]
    result = run(cmd)
    if result.returncode != 0 or result.stderr:
        fail("man %s: exit %d: %s" % (" ".join(cmd[2:]), result.returncode,
                                      result.stderr.strip()))
        return None
    return result.stdout


def sections(text):
    """{SECTION: [lines]} of a rendered page: headings start in column 0,
    subsection headings in column 3."""
    found, current = {}, None
    for line in text.splitlines():
        if re.match(r"[A-Z][A-Z ]+$", line):
            current = line.strip()
            found[current] = []
        elif current:
            found[current].append(line)
    return found


def heads(lines, pattern):
    """The names of a tag list's items, as the rendering puts them: at column
    5, with the item's text from column 13 on the next line, or on the same
    one after a short head. `--help, -h` gives both, `XDG_CACHE_HOME, HOME`
    both. Only names matching \p pattern count."""
    names = set()
    for line, after in zip(lines, lines[1:] + [""]):
        m = re.match(r" {5}(\S.*?)(?: +(\S.*))?$", line)
        if not m:
            continue
        inline = m.group(2) is not None and line.index(m.group(2)) == 13
        if not inline and not re.match(r" {13}\S", after):
            continue
        # A head alone on its line is all of it, spaces and all.
        head = m.group(1) if inline else line.strip()
        for part in head.split(", "):
            words = part.split()
            if words and re.match(pattern + "$", words[0]):
                names.add(words[0])
    return names


OPTION, VARIABLE, SETTING = r"--?[a-z][\w-]*", r"[A-Z][A-Z0-9_]+", r"[a-z][a-z-]*"


def lint(path):
    result = run(["mandoc", "-T", "lint", "-W", "warning", path])
    if result.returncode != 0 or result.stdout or result.stderr:
        fail("mandoc -T lint: " + (result.stdout + result.stderr).strip())
    result = run(["groff", "-ww", "-z", "-mandoc", path])
    if result.returncode != 0 or result.stderr:
        fail("groff -ww -z %s: %s" % (path, result.stderr.strip()))


def own_help_section(text, title):
    """The entries of `title` in clang-dist --help: lines of two spaces then
    the entry, up to the next blank line."""
    body = text.split("\n" + title + "\n", 1)
    if len(body) != 2:
        fail("clang-dist --help has no %r section" % title)
        return set()
    names = set()
    for line in body[1].split("\n\n", 1)[0].splitlines():
        m = re.match(r"  (\S+)", line)
        if m:
            names.add(m.group(1))
    return names


def exits_at_once(program, option):
    try:
        result = run([program, option], timeout=10)
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0 and result.stdout != ""


def compare(page, documented, known, what):
    for name in sorted(known - documented):
        fail("%s lacks %s %s" % (page, what, name))
    return documented - known


def check_options(page, documented, help_options, program):
    for name in sorted(compare(page, documented, help_options, "the option")):
        if name in ("--help", "-h", "--version") and exits_at_once(program,
                                                                   name):
            continue
        fail("%s documents %s, which %s --help does not know" %
             (page, name, os.path.basename(program)))


def config_keywords(source_dir):
    """The keys lib/Config's parser compares a line's first word with."""
    text = open(os.path.join(source_dir, "lib", "Config", "Config.cpp")).read()
    keys = set(re.findall(r'\bKey == "([a-z-]+)"', text))
    if "worker" not in keys or "mode" not in keys:
        fail("found no setting keys in lib/Config/Config.cpp (%s): the "
             "parser changed form, and this test must read its new list" %
             sorted(keys))
    return keys


def main():
    source_dir, bin_dir = sys.argv[1], sys.argv[2]
    man_dir = os.path.join(source_dir, "man")
    hierarchy = tempfile.mkdtemp(prefix="clang-dist-man.")
    texts = {}
    try:
        pages = sorted(os.listdir(man_dir))
        for name in pages:
            section = name.rsplit(".", 1)[-1]
            os.makedirs(os.path.join(hierarchy, "man" + section),
                        exist_ok=True)
            shutil.copy(os.path.join(man_dir, name),
                        os.path.join(hierarchy, "man" + section, name))
        for name in pages:
            path = os.path.join(man_dir, name)
            section = name.rsplit(".", 1)[-1]
            source = open(path).read()
            alias = re.match(r"\.so (man\d/(.+))\n$", source)
            if alias:
                # Rendered from a hierarchy, where man resolves .so.
                target = alias.group(2)
                if target not in pages:
                    fail("%s is an alias of %s, which man/ lacks" %
                         (name, target))
                    continue
                text = render(name.rsplit(".", 1)[0], hierarchy)
                expected = texts.get(target) or render(
                    os.path.join(man_dir, target))
                if text is not None and text != expected:
                    fail("man %s does not show %s" % (name, target))
                print("%s: an alias of %s" % (name, target))
                continue
            if section not in SECTIONS:
                fail("%s: no man section %s here" % (name, section))
                continue
            lint(path)
            text = render(path)
            if text is None:
                continue
            texts[name] = text
            found = sections(text)
            for heading in SECTIONS[section]:
                if not found.get(heading):
                    fail("%s has no %s section" % (name, heading))
            print("%s: rendered, %d lines" % (name, len(text.splitlines())))

        clang_dist = os.path.join(bin_dir, "clang-dist")
        worker = os.path.join(bin_dir, "clang-dist-worker")
        help_text = run([clang_dist, "--help"]).stdout
        page = sections(texts.get("clang-dist.1", ""))
        check_options("clang-dist(1)", heads(page.get("OPTIONS", []), OPTION),
                      own_help_section(help_text, "CLANG-DIST OPTIONS:"),
                      clang_dist)
        for name in sorted(compare(
                "clang-dist(1)", heads(page.get("ENVIRONMENT", []), VARIABLE),
                own_help_section(help_text, "ENVIRONMENT:"),
                "the environment variable")):
            fail("clang-dist(1) documents %s, which clang-dist --help does "
                 "not list" % name)

        worker_help = run([worker, "--help"]).stdout
        worker_options = set(re.findall(r"^\s+(--?[a-z][\w-]*)", worker_help,
                                        re.M))
        worker_options |= set(re.findall(r"\[(--?[a-z][\w-]*)", worker_help))
        if not worker_options:
            fail("clang-dist-worker --help lists no option")
        page = sections(texts.get("clang-dist-worker.1", ""))
        check_options("clang-dist-worker(1)", heads(page.get("OPTIONS", []), OPTION),
                      worker_options, worker)

        page = sections(texts.get("dist.conf.5", ""))
        documented = heads(page.get("SETTINGS", []) +
                           page.get("Older names", []), SETTING)
        keys = config_keywords(source_dir)
        for name in sorted(compare("dist.conf(5)", documented, keys,
                                   "the setting")):
            fail("dist.conf(5) documents %s, which lib/Config does not "
                 "accept" % name)
        print("agreement: %d clang-dist options, %d worker options, %d "
              "settings" % (len(own_help_section(help_text,
                                                 "CLANG-DIST OPTIONS:")),
                            len(worker_options), len(keys)))
    finally:
        shutil.rmtree(hierarchy, ignore_errors=True)
    if failures:
        print("%d failures" % len(failures))
        return 1
    print("every page renders and agrees with the programs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
