# lit configuration for clang-dist's end-to-end tests.
#
# Each test runs in isolation: its own runtime directory (so its own local
# server), slaves it starts itself on ports the system chooses, and a server
# it stops itself. Reference results come from the real clang-16.
import os
import lit.formats

config.name = "clang-dist"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test"]
config.excludes = ["Inputs"]
config.test_source_root = config.clang_dist_test_source
config.test_exec_root = config.clang_dist_obj_root

# FileCheck, not, count, split-file; clang-16 is found where clang's own
# driver would find it, so reference and distributed builds agree.
config.environment["PATH"] = os.pathsep.join(
    [config.llvm_tools_dir, "/usr/bin", "/bin"])
for var in ["CLANG_DIST_CONFIG", "CLANG_DIST_RUNTIME_DIR", "CPATH",
            "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH", "SOURCE_DATE_EPOCH"]:
    config.environment.pop(var, None)
config.environment["LC_ALL"] = "C"
config.environment["CLANGD_SLAVE"] = os.path.join(config.clang_dist_bin_dir, "clangd-slave")

# Every clang-dist of a test talks to the test's own local server (%t.rt is
# the test's private runtime directory; lit substitutes %t afterwards).
dist = os.path.join(config.clang_dist_test_source, "Inputs", "dist.py")
config.substitutions += [
    ("%clang-dist\\+\\+", "env CLANG_DIST_RUNTIME_DIR=%t.rt " +
     os.path.join(config.clang_dist_bin_dir, "clang-dist++")),
    ("%clang-dist", "env CLANG_DIST_RUNTIME_DIR=%t.rt " +
     os.path.join(config.clang_dist_bin_dir, "clang-dist")),
    ("%clangd-slave", os.path.join(config.clang_dist_bin_dir, "clangd-slave")),
    ("%bindir", config.clang_dist_bin_dir),
    ("%clang\\+\\+", "clang++-16"),
    ("%clang", "clang-16"),
    ("%dist", config.python + " " + dist),
    ("%python", config.python),
]
