"""The two code bases: Debian source packages, configured once, built many times.

Both are configured with wrap/cc and wrap/c++ as their compilers, so that an
anchor is chosen per build through BENCH_CC/BENCH_CXX, without reconfiguring."""
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


class Project:
    def __init__(self, name, package, lang, ctx):
        self.name, self.package, self.lang, self.ctx = name, package, lang, ctx
        self.build = os.path.join(ctx.work, "build", name)
        self.capture = os.path.join(ctx.work, "build", f"{name}.compiles.jsonl")
        self.src = None

    def fetch(self):
        out = subprocess.run(["bash", os.path.join(REPO, "scripts", "fetch-debian-source.sh"),
                              self.package, os.path.join(self.ctx.work, "src")],
                             check=True, text=True, stdout=subprocess.PIPE).stdout
        self.src = out.strip().splitlines()[-1]

    def configure(self):
        marker = os.path.join(self.build, ".bench-configured")
        if os.path.exists(marker):
            return
        os.makedirs(self.build, exist_ok=True)
        env = {**os.environ, "BENCH_CC": "clang-16", "BENCH_CXX": "clang++-16"}
        with open(os.path.join(self.build, "configure.log"), "w") as log:
            subprocess.run(self.configure_argv(), cwd=self.build, env=env, check=True,
                           stdout=log, stderr=subprocess.STDOUT)
        open(marker, "w").close()

    def clean(self):
        subprocess.run(["make", "clean"], cwd=self.build, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def build_argv(self):
        return ["make", f"-j{self.ctx.cores}"]

    def capture_compiles(self):
        """An unmeasured build through logcc.py: records every compile command,
        warms the page cache, and leaves the generated sources the replay of
        those commands needs. Returns the number of translation units."""
        self.clean()
        if os.path.exists(self.capture):
            os.unlink(self.capture)
        logcc = os.path.join(HERE, "logcc.py")
        env = {**os.environ, "BENCH_CAPTURE": self.capture,
               "BENCH_CC": f"python3 {logcc} clang-16",
               "BENCH_CXX": f"python3 {logcc} clang++-16"}
        with open(os.path.join(self.build, "capture.log"), "w") as log:
            subprocess.run(self.build_argv(), cwd=self.build, env=env, check=True,
                           stdout=log, stderr=subprocess.STDOUT)
        with open(self.capture) as f:
            return sum(1 for _ in f)


class Curl(Project):
    def __init__(self, ctx):
        super().__init__("curl", "curl", "C", ctx)

    def configure_argv(self):
        # Only what configures offline with zlib; TLS and the optional protocol
        # libraries would add build dependencies, not translation units.
        return [os.path.join(self.src, "configure"), f"CC={HERE}/wrap/cc", "CFLAGS=-g -O2",
                "--disable-shared", "--without-ssl", "--without-libpsl", "--without-brotli",
                "--without-zstd", "--without-nghttp2", "--without-libidn2", "--without-librtmp",
                "--disable-ldap"]


class ZeroMQ(Project):
    def __init__(self, ctx):
        super().__init__("zeromq", "zeromq3", "C++", ctx)

    def configure_argv(self):
        # The library and its perf tools; the 130 test programs would double the
        # build time without exercising anything the library does not.
        return ["cmake", "-S", self.src, "-B", ".", f"-DCMAKE_C_COMPILER={HERE}/wrap/cc",
                f"-DCMAKE_CXX_COMPILER={HERE}/wrap/c++", "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                "-DBUILD_TESTS=OFF", "-DWITH_DOCS=OFF"]


ALL = {"curl": Curl, "zeromq": ZeroMQ}
