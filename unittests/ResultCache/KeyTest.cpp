//===- unittests/ResultCache/KeyTest.cpp - What results are keyed on ------===//
//
// Every part of a job and of what its compile found changes the key; nothing
// else does.
//
//===----------------------------------------------------------------------===//

#include "ResultCache/Key.h"
#include <catch2/catch.hpp>

using namespace clang::dist;

namespace {

CompileJob sourcesJob() {
  CompileJob Job;
  Job.Id = 7;
  Job.Mode = DistributionMode::Sources;
  Job.WorkingDir = "/src";
  Job.Args = {"-cc1", "-emit-obj", "-O2", "-o", "a.o", "a.c"};
  return Job;
}

PathInfo file(llvm::StringRef Text, uint64_t Inode) {
  PathInfo I;
  I.Kind = PathInfo::PathKind::File;
  I.Device = 1;
  I.Inode = Inode;
  I.Size = Text.size();
  I.Digest = digestContents(Text);
  return I;
}

PathInfo kind(PathInfo::PathKind K, uint64_t Inode = 0) {
  PathInfo I;
  I.Kind = K;
  I.Device = 1;
  I.Inode = Inode;
  return I;
}

} // namespace

TEST_CASE("Every part of a job changes its key", "[ResultCache]") {
  const CompileJob Base = sourcesJob();
  const ContentDigest Key = jobKey(Base, "clang version 16.0.6");
  CHECK(jobKey(Base, "clang version 16.0.6") == Key);

  CHECK(jobKey(Base, "clang version 16.0.7") != Key);
  CompileJob J = Base;
  J.WorkingDir = "/src2";
  CHECK(jobKey(J, "clang version 16.0.6") != Key);
  J = Base;
  J.Args.insert(J.Args.begin() + 3, "-DX=1");
  CHECK(jobKey(J, "clang version 16.0.6") != Key);
  J = Base;
  J.Args[2] = "-O1";
  CHECK(jobKey(J, "clang version 16.0.6") != Key);
  // Two arguments are not one with a space.
  J = Base;
  J.Args = {"-cc1", "-emit-obj", "-O2", "-o", "a.o a.c"};
  CHECK(jobKey(J, "clang version 16.0.6") != Key);
  J = Base;
  J.Mode = DistributionMode::Preprocessed;
  J.Files = {{"a.c", 3, "abc"}};
  ContentDigest Preprocessed = jobKey(J, "clang version 16.0.6");
  CHECK(Preprocessed != Key);
  J.Files[0].Compressed = "abd";
  CHECK(jobKey(J, "clang version 16.0.6") != Preprocessed);

  // The job's number and the worker's way to the files are not the compile.
  J = Base;
  J.Id = 8;
  CHECK(jobKey(J, "clang version 16.0.6") == Key);
  J.Mode = DistributionMode::LocalFiles;
  CHECK(jobKey(J, "clang version 16.0.6") == Key);
}

TEST_CASE("Every input changes the result key", "[ResultCache]") {
  using Kind = PathInfo::PathKind;
  ContentDigest Job = jobKey(sourcesJob(), "clang 16");
  std::vector<CompileInput> Base = {
      {"/src/a.c", file("int a;", 10)},
      {"/inc1/a.h", kind(Kind::Missing)},
      {"/inc2", kind(Kind::Directory, 30)},
      {"/inc2/a.h", file("int b;", 11)},
      {"/src/a.c/x", kind(Kind::NotADirectory)},
  };
  const ContentDigest Key = resultKey(Job, describeInputs(Base));

  // Order, times, permissions and inode numbers as such do not matter.
  std::vector<CompileInput> In = {Base[4], Base[3], Base[2], Base[1], Base[0]};
  In[0].Info.ModificationTime = 12345;
  In[1].Info.Permissions = 0600;
  In[1].Info.Inode = 99;
  CHECK(resultKey(Job, describeInputs(In)) == Key);
  // A path looked at twice is one input.
  In.push_back(Base[0]);
  CHECK(resultKey(Job, describeInputs(In)) == Key);

  // A header with other contents.
  In = Base;
  In[3].Info = file("int c;", 11);
  CHECK(resultKey(Job, describeInputs(In)) != Key);
  // A header created in an earlier include directory.
  In = Base;
  In[1].Info = file("int b;", 12);
  CHECK(resultKey(Job, describeInputs(In)) != Key);
  // A directory gone, or a file where a directory was.
  In = Base;
  In[2].Info = kind(Kind::Missing);
  CHECK(resultKey(Job, describeInputs(In)) != Key);
  In = Base;
  In[2].Info = file("", 30);
  CHECK(resultKey(Job, describeInputs(In)) != Key);
  // Missing and "not a directory" are two answers.
  In = Base;
  In[4].Info = kind(Kind::Missing);
  CHECK(resultKey(Job, describeInputs(In)) != Key);
  // Another path.
  In = Base;
  In[3].Path = "/inc3/a.h";
  CHECK(resultKey(Job, describeInputs(In)) != Key);
  // One more path.
  In = Base;
  In.push_back({"/inc1/b.h", kind(Kind::Missing)});
  CHECK(resultKey(Job, describeInputs(In)) != Key);
  // Two paths of one file (a symbolic link: #pragma once skips the second).
  In = Base;
  In.push_back({"/src/link.h", file("int b;", 11)});
  ContentDigest Linked = resultKey(Job, describeInputs(In));
  In.back().Info.Inode = 13;
  CHECK(resultKey(Job, describeInputs(In)) != Linked);
  // Another job.
  CHECK(resultKey(jobKey(sourcesJob(), "clang 17"), describeInputs(Base)) !=
        Key);
}

TEST_CASE("Paths of one identity point at the first", "[ResultCache]") {
  InputSet Set = describeInputs({{"/b.h", file("x", 5)},
                                 {"/a.h", file("x", 5)},
                                 {"/c.h", file("x", 6)},
                                 {"/d", kind(PathInfo::PathKind::Missing)}});
  REQUIRE(Set.Paths == std::vector<std::string>{"/a.h", "/b.h", "/c.h", "/d"});
  CHECK(Set.SameAs == std::vector<uint32_t>{0, 0, 2, 0});
}
