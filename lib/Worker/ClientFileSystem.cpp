//===- Worker/ClientFileSystem.cpp - The client's files, by asking --------===//

#include "Worker/ClientFileSystem.h"
#include "Support/SharedBuffer.h"
#include "llvm/Support/Errc.h"
#include "llvm/Support/Path.h"

using namespace clang::dist;
using Kind = PathInfo::PathKind;

ServerChannel::~ServerChannel() = default;

namespace {

/// What the client's clang would get from stat(): the name as asked for.
llvm::vfs::Status statusOf(const llvm::Twine &Name, const PathInfo &I) {
  llvm::sys::TimePoint<> ModificationTime{
      std::chrono::nanoseconds(I.ModificationTime)};
  return llvm::vfs::Status(
      Name, llvm::sys::fs::UniqueID(I.Device, I.Inode), ModificationTime,
      /*User=*/0, /*Group=*/0, I.Size,
      I.Kind == Kind::File ? llvm::sys::fs::file_type::regular_file
                           : llvm::sys::fs::file_type::directory_file,
      static_cast<llvm::sys::fs::perms>(I.Permissions));
}

/// A directory opens, as on the client, and fails to be read.
class ClientFile : public llvm::vfs::File {
public:
  using LoadFn =
      std::function<llvm::ErrorOr<std::shared_ptr<llvm::MemoryBuffer>>()>;
  ClientFile(llvm::vfs::Status St, LoadFn Load)
      : St(std::move(St)), Load(std::move(Load)) {}
  llvm::ErrorOr<llvm::vfs::Status> status() override { return St; }
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>>
  getBuffer(const llvm::Twine &Name, int64_t, bool, bool) override {
    if (St.isDirectory())
      return std::make_error_code(std::errc::is_a_directory);
    auto Buffer = Load();
    if (!Buffer)
      return Buffer.getError();
    llvm::StringRef Bytes = (*Buffer)->getBuffer();
    return std::make_unique<SharedBuffer>(std::move(*Buffer), Bytes,
                                          Name.str());
  }
  std::error_code close() override { return {}; }

private:
  llvm::vfs::Status St;
  LoadFn Load;
};

} // namespace

ClientFileSystem::ClientFileSystem(ClientAnswers &Answers,
                                   ServerChannel &Channel,
                                   std::string WorkingDir)
    : Answers(Answers), Channel(Channel), WorkingDir(std::move(WorkingDir)) {}

llvm::ErrorOr<const LookupReply *>
ClientFileSystem::answerFor(const llvm::Twine &Path, std::string &Absolute) {
  llvm::SmallString<256> Spelled;
  Path.toVector(Spelled);
  if (std::error_code EC = makeAbsolute(Spelled))
    return EC;
  Absolute = std::string(Spelled);
  // The job runs on the client now: no more questions, and no answers it
  // would use for nothing.
  if (Refused)
    return std::make_error_code(std::errc::permission_denied);
  auto It = Answers.find(Absolute);
  if (It == Answers.end()) {
    llvm::Expected<LookupReply> Reply = Channel.lookup(Absolute);
    if (!Reply) {
      llvm::consumeError(Reply.takeError());
      return std::make_error_code(std::errc::io_error);
    }
    // Not an answer: for this job only, which another may not share.
    if (Reply->Info.Kind == Kind::Refused) {
      Refused = true;
      return std::make_error_code(std::errc::permission_denied);
    }
    It = Answers.try_emplace(Absolute, std::move(*Reply)).first;
  }
  const LookupReply &Reply = It->second;
  Used.insert(Reply.Index);
  switch (Reply.Info.Kind) {
  case Kind::File:
  case Kind::Directory:
    return &Reply;
  case Kind::Missing:
    return std::make_error_code(std::errc::no_such_file_or_directory);
  case Kind::NotADirectory:
    return std::make_error_code(std::errc::not_a_directory);
  case Kind::Unavailable:
  case Kind::Refused:
    break;
  }
  // The server runs such a job locally, whatever it produces here.
  return std::make_error_code(std::errc::permission_denied);
}

llvm::ErrorOr<llvm::vfs::Status>
ClientFileSystem::status(const llvm::Twine &Path) {
  std::string Absolute;
  llvm::ErrorOr<const LookupReply *> Reply = answerFor(Path, Absolute);
  if (!Reply)
    return Reply.getError();
  return statusOf(Path, (*Reply)->Info);
}

llvm::ErrorOr<std::unique_ptr<llvm::vfs::File>>
ClientFileSystem::openFileForRead(const llvm::Twine &Path) {
  std::string Absolute;
  llvm::ErrorOr<const LookupReply *> Reply = answerFor(Path, Absolute);
  if (!Reply)
    return Reply.getError();
  const PathInfo &Info = (*Reply)->Info;
  auto Load = [this, Digest = Info.Digest, Size = Info.Size]()
      -> llvm::ErrorOr<std::shared_ptr<llvm::MemoryBuffer>> {
    auto [It, New] = Loaded.try_emplace(Digest);
    if (New) {
      auto Contents = Channel.contents(Digest, Size);
      if (!Contents || (*Contents)->getBufferSize() != Size) {
        if (!Contents)
          llvm::consumeError(Contents.takeError());
        Loaded.erase(It);
        return std::make_error_code(std::errc::io_error);
      }
      It->second = std::move(*Contents);
    }
    return It->second;
  };
  return std::make_unique<ClientFile>(statusOf(Path, Info), std::move(Load));
}

llvm::vfs::directory_iterator ClientFileSystem::dir_begin(const llvm::Twine &,
                                                          std::error_code &EC) {
  Unanswerable = true;
  EC = std::make_error_code(std::errc::operation_not_permitted);
  return {};
}

std::error_code
ClientFileSystem::setCurrentWorkingDirectory(const llvm::Twine &Path) {
  llvm::SmallString<256> Dir;
  Path.toVector(Dir);
  if (std::error_code EC = makeAbsolute(Dir))
    return EC;
  WorkingDir = std::string(Dir);
  return {};
}

llvm::ErrorOr<std::string>
ClientFileSystem::getCurrentWorkingDirectory() const {
  return WorkingDir;
}

std::error_code
ClientFileSystem::getRealPath(const llvm::Twine &Path,
                              llvm::SmallVectorImpl<char> &Output) const {
  Path.toVector(Output);
  if (std::error_code EC = makeAbsolute(Output))
    return EC;
  llvm::sys::path::remove_dots(Output, /*remove_dot_dot=*/true);
  return {};
}

std::vector<uint32_t> ClientFileSystem::consulted() const {
  return std::vector<uint32_t>(Used.begin(), Used.end());
}
