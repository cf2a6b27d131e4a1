//===- LocalServer/FileContents.h - One version of one file -----*- C++ -*-===//
//
// The bytes of a file as the shared file cache read them, with what the
// modes derive from them: the digest that names them on the wire and the
// compressed copy a worker asks for (sources mode); the dependency directives
// the include rewriter runs on, and what in the file those directives miss
// (preprocessed mode). Each is computed at most once, by the first thread that
// needs it, however many workers ask or translation units include the file;
// contents never change, so neither does anything derived from them.
//
//===----------------------------------------------------------------------===//

#ifndef CLANG_DIST_LOCALSERVER_FILECONTENTS_H
#define CLANG_DIST_LOCALSERVER_FILECONTENTS_H

#include "Protocol/ContentDigest.h"
#include "Support/FileStamp.h"
#include "clang/Lex/DependencyDirectivesScanner.h"
#include "llvm/Support/MemoryBuffer.h"
#include <memory>
#include <mutex>
#include <optional>

namespace clang::dist {

/// What in a file's text a preprocessing of its dependency directives alone
/// would not act on, where that could change the include rewriter's output or
/// what it must notice.
struct TextHazards {
  /// Why a _Pragma operator would act while includes are resolved, or "".
  std::string IncludeTimePragma;
  /// __TIMESTAMP__ expands to the modification time of the file it appears
  /// in, which on the worker is the rewritten source's.
  bool MentionsTimestamp = false;
  /// #line or a line marker that a later directive of the file undoes: the
  /// rewriter writes a line marker of its own, of the physical line, after
  /// each #include, #if, #elif, #else, #endif, #pragma once and
  /// system_header.
  bool LineDirective = false;
  /// A GNU line marker of the user's: -Wgnu-line-marker warns of it, which
  /// the worker cannot (the rewritten source is full of the rewriter's), and
  /// the scanner drops it.
  bool LineMarker = false;
  /// A diagnostic pragma that turns a warning on or makes it an error: the
  /// scanner drops it, and the warnings the server must notice depend on it.
  bool SeverityPragma = false;
  /// #pragma GCC system_header (or clang's): in a user file it makes the
  /// files it then includes system headers, which the rewriter's line
  /// markers say; the scanner drops it.
  bool SystemHeaderPragma = false;
};

/// The hazards of \p Text, for a file the cache did not read.
TextHazards findTextHazards(llvm::StringRef Text);

class FileContents {
public:
  /// \p Settled: the stamp the file had when it was read, if its last
  /// change was far enough in the past that the stamp will tell a later
  /// change (Support/FileStamp.h).
  explicit FileContents(std::unique_ptr<llvm::MemoryBuffer> Buffer,
                        std::optional<FileStamp> Settled = std::nullopt)
      : Buffer(std::move(Buffer)), Settled(Settled) {}

  /// Null-terminated, as clang's lexer needs.
  const llvm::MemoryBuffer &buffer() const { return *Buffer; }
  llvm::StringRef bytes() const { return Buffer->getBuffer(); }

  const ContentDigest &digest();
  const std::string &compressed();
  /// The directives clang's dependency scanner keeps of this file, or
  /// std::nullopt where it cannot minimize it (it is then lexed in full).
  std::optional<llvm::ArrayRef<dependency_directives_scan::Directive>>
  directives();
  const TextHazards &hazards();
  /// What says the file still holds these bytes, if anything can.
  const std::optional<FileStamp> &settledStamp() const { return Settled; }

private:
  std::unique_ptr<llvm::MemoryBuffer> Buffer;
  std::optional<FileStamp> Settled;
  std::once_flag DigestOnce, CompressedOnce, DirectivesOnce, HazardsOnce;
  ContentDigest Digest{};
  std::string Compressed;
  bool Minimized = false;
  llvm::SmallVector<dependency_directives_scan::Token, 0> Tokens;
  llvm::SmallVector<dependency_directives_scan::Directive, 0> Directives;
  TextHazards Hazards;
};

} // namespace clang::dist

#endif
