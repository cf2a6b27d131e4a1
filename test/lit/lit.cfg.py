# lit configuration for clang-dist's end-to-end tests.
#
# Each test runs in isolation: its own runtime directory (so its own local
# server), a worker it starts itself on ports the system chooses, and a server
# it stops itself. Reference results come from the real clang-16.
import hashlib
import os
import re
import shutil
import lit.formats

config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test"]
config.excludes = ["Inputs"]
config.test_source_root = config.clang_dist_test_source

# The suite runs once per distribution mode (lit --param mode=...): the
# configs `%dist start-workers` writes name it, and tests whose expectations
# differ say so with REQUIRES: mode-sources / mode-preprocessed.
mode = lit_config.params.get("mode", "sources")
if mode not in ("sources", "preprocessed"):
    lit_config.fatal("unknown mode '%s'" % mode)
config.name = "clang-dist (%s mode)" % mode
config.available_features.add("mode-" + mode)
# A test's local server listens on %t.rt/server-<16 hex>.sock, which must
# fit sockaddr_un's 108 bytes wherever the build directory is: the tests run
# under a short directory of /tmp named by a hash of the build directory.
build_key = hashlib.blake2b(config.clang_dist_obj_root.encode(),
                            digest_size=4).hexdigest()
config.test_exec_root = os.path.join("/tmp", "clang-dist-lit-" + build_key,
                                     mode[0])

# FileCheck, not, count, split-file; clang-16 is found where clang's own
# driver would find it, so reference and distributed builds agree.
config.environment["PATH"] = os.pathsep.join(
    [config.llvm_tools_dir, "/usr/bin", "/bin"])
for var in ["CLANG_DIST_CONFIG", "CLANG_DIST_RUNTIME_DIR", "CPATH",
            "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH", "SOURCE_DATE_EPOCH"]:
    config.environment.pop(var, None)
config.environment["LC_ALL"] = "C"
# A test that runs clang-dist without %clang-dist (under script(1), as
# another user) keeps its results in a cache of this run's own, never the
# user's: a result of an earlier run would make a compile a hit.
xdg_cache = os.path.join(config.test_exec_root, "xdg-cache")
shutil.rmtree(xdg_cache, ignore_errors=True)
config.environment["XDG_CACHE_HOME"] = xdg_cache
config.environment["CLANG_DIST_WORKER"] = os.path.join(config.clang_dist_bin_dir, "clang-dist-worker")
config.environment["CLANG_DIST_TEST_MODE"] = mode
# How much slower than the usual build the programs under test are, so that
# dist.py's waits allow for it (its docstring).
config.environment["CLANG_DIST_TEST_SLOWDOWN"] = (
    "2" if config.clang_dist_sanitize else "1")

# Every clang-dist of a test talks to the test's own local server (%t.rt is
# the test's private runtime directory; lit substitutes %t afterwards), which
# keeps its results in a cache there too (%t.rt/clang-dist).
dist = os.path.join(config.clang_dist_test_source, "Inputs", "dist.py")
config.substitutions += [
    # Before %clang-dist, which would take its first part.
    ("%clang-dist-worker", os.path.join(config.clang_dist_bin_dir, "clang-dist-worker")),
    ("%clang-dist\\+\\+", "env CLANG_DIST_RUNTIME_DIR=%t.rt XDG_CACHE_HOME=%t.rt " +
     os.path.join(config.clang_dist_bin_dir, "clang-dist++")),
    ("%clang-dist", "env CLANG_DIST_RUNTIME_DIR=%t.rt XDG_CACHE_HOME=%t.rt " +
     os.path.join(config.clang_dist_bin_dir, "clang-dist")),
    ("%bindir", config.clang_dist_bin_dir),
    ("%clang\\+\\+", "clang++-16"),
    ("%clang", "clang-16"),
    ("%dist", config.python + " " + dist),
    ("%python", config.python),
    ("%mode", mode),
    ("%protocol-version", str(int(re.search(
        r"ProtocolVersion = (\d+);",
        open(os.path.join(config.clang_dist_test_source, "..", "..", "lib",
                          "Protocol", "Messages.h")).read()).group(1)))),
    # DWARF 5 objects: byte-identical from the sources; from preprocessed
    # text identical but for the line table's MD5 checksums.
    ("%cmp-dwarf5", "cmp" if mode == "sources" else
     config.python + " " + os.path.join(config.clang_dist_test_source, "Inputs",
                                        "compare_objects.py") +
     " --allow-missing-md5"),
]
