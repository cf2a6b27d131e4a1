//===- Driver/Monitor.cpp - clang-dist --monitor --------------------------===//

#include "Driver/Monitor.h"
#include "Support/WriteAll.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"
#include <cerrno>
#include <csignal>
#include <ctime>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

using namespace clang::dist;

namespace {

/// Tenths of a second under a minute: a job's time says how far it got.
std::string duration(uint64_t Ms, bool Tenths = true) {
  if (Ms < 60000)
    return Tenths ? llvm::formatv("{0}.{1}s", Ms / 1000, Ms % 1000 / 100).str()
                  : llvm::formatv("{0}s", Ms / 1000).str();
  uint64_t S = Ms / 1000;
  if (S < 3600)
    return llvm::formatv("{0}m{1:2}s", S / 60, S % 60);
  return llvm::formatv("{0}h{1:2}m", S / 3600, S % 3600 / 60);
}

llvm::StringRef jobState(ServerStatus::JobState State) {
  switch (State) {
  case ServerStatus::JobState::Preparing:
    return "preparing";
  case ServerStatus::JobState::Queued:
    return "queued";
  case ServerStatus::JobState::Compiling:
    return "compiling";
  case ServerStatus::JobState::Storing:
    return "storing";
  }
  return "?";
}

llvm::StringRef slotState(ServerStatus::SlotState State) {
  switch (State) {
  case ServerStatus::SlotState::Idle:
    return "idle";
  case ServerStatus::SlotState::Connecting:
    return "connecting";
  case ServerStatus::SlotState::Busy:
    return "busy";
  case ServerStatus::SlotState::BackedOff:
    return "backed off";
  }
  return "?";
}

std::string modeText(DistributionMode Mode) {
  if (Mode == DistributionMode::LocalFiles)
    return "its own worker on this machine";
  return std::string(modeName(Mode)) + " mode";
}

/// \p Text in \p Width bytes, its start cut if need be: a path's file name
/// says more than its first directories.
std::string fitTail(llvm::StringRef Text, size_t Width) {
  if (Text.size() <= Width)
    return Text.str();
  if (Width <= 3)
    return Text.take_back(Width).str();
  return "..." + Text.take_back(Width - 3).str();
}

class View {
public:
  explicit View(unsigned Width) : Width(Width) {}
  /// A line whose last column, \p Tail, is cut at its start to fit.
  void line(const llvm::Twine &Head, llvm::StringRef Tail = "") {
    std::string H = Head.str();
    if (Width && H.size() + Tail.size() > Width)
      Lines.push_back(H.size() >= Width ? H.substr(0, Width)
                                        : H + fitTail(Tail, Width - H.size()));
    else
      Lines.push_back(H + Tail.str());
  }
  std::string take(unsigned Height) {
    if (Height && Lines.size() > Height) {
      size_t Hidden = Lines.size() - Height + 1;
      Lines.resize(Height - 1);
      line(llvm::formatv("... {0} more lines (a taller terminal shows them)",
                         Hidden));
    }
    return llvm::join(Lines, "\n");
  }

private:
  unsigned Width;
  std::vector<std::string> Lines;
};

} // namespace

std::string clang::dist::formatStatus(const ServerStatus &S, unsigned Width,
                                      unsigned Height, int64_t Now) {
  View V(Width);
  V.line(llvm::formatv("clang-dist-server {0}, up {1}, {2}: ", S.Pid,
                       duration(std::max<int64_t>(0, Now - S.StartTime) * 1000,
                                /*Tenths=*/false),
                       modeText(S.Mode)),
         S.ConfigPath.empty() ? "built-in default config" : S.ConfigPath);
  V.line(llvm::formatv("throughput: {0} jobs in the last minute, {1} since "
                       "the server started",
                       S.FinishedLastMinute, S.JobsFinished));
  if (S.Retiring)
    V.line("retiring: it finishes its jobs in flight, then exits");
  V.line("");
  V.line(llvm::formatv("jobs in flight: {0}", S.JobsInFlight));
  if (!S.Jobs.empty())
    V.line(llvm::formatv("  {0,-10} {1,7}  {2,-21} {3}", "STATE", "TIME",
                         "SLOT", "SOURCE"));
  for (const ServerStatus::Job &J : S.Jobs)
    V.line(llvm::formatv("  {0,-10} {1,7}  {2,-21} ", jobState(J.State),
                         duration(J.ElapsedMs), J.Slot),
           J.Source);
  if (S.Jobs.size() < S.JobsInFlight)
    V.line(llvm::formatv("  ... and {0} more", S.JobsInFlight - S.Jobs.size()));
  V.line("");
  V.line(llvm::formatv("slots: {0}", S.SlotCount));
  if (!S.Slots.empty())
    V.line(llvm::formatv("  {0,-21} {1,-10} {2,6}", "SLOT", "STATE", "DONE"));
  for (const ServerStatus::Slot &Slot : S.Slots) {
    std::string Head = llvm::formatv("  {0,-21} {1,-10} {2,6}", Slot.Name,
                                     slotState(Slot.State), Slot.JobsDone);
    if (Slot.State == ServerStatus::SlotState::BackedOff)
      V.line(Head + "  for " + duration(Slot.BackedOffMs) + " more: ",
             Slot.Why);
    else
      V.line(Head);
  }
  if (S.Slots.size() < S.SlotCount)
    V.line(llvm::formatv("  ... and {0} more", S.SlotCount - S.Slots.size()));
  V.line("");
  V.line(llvm::formatv("fallbacks lately: {0}", S.Fallbacks.size()));
  // The most recent first.
  for (auto It = S.Fallbacks.rbegin(); It != S.Fallbacks.rend(); ++It) {
    std::time_t T = It->Time;
    std::tm Local{};
    char Clock[16] = "??:??:??";
    if (::localtime_r(&T, &Local))
      std::strftime(Clock, sizeof(Clock), "%H:%M:%S", &Local);
    V.line(llvm::formatv("  {0}  ", Clock), It->Source + ": " + It->Reason);
  }
  return V.take(Height);
}

namespace {

/// What ends the monitor's screen: the cursor back, the alternate screen
/// left, so that what was on the terminal comes back.
constexpr char RestoreTerminal[] = "\x1b[?25h\x1b[?1049l";
/// Set while the terminal shows the monitor's screen.
volatile sig_atomic_t OnAlternateScreen = 0;

/// Ctrl-C, SIGTERM and a closed terminal end the monitor at once, even while
/// it waits on a server that does not answer: the handler restores the
/// terminal (write(2) may be called there) and exits; nothing else needs
/// undoing.
void onSignal(int) {
  if (OnAlternateScreen)
    (void)!::write(STDOUT_FILENO, RestoreTerminal, sizeof(RestoreTerminal) - 1);
  ::_exit(0);
}

void catchSignals() {
  struct sigaction Action {};
  Action.sa_handler = onSignal;
  sigemptyset(&Action.sa_mask);
  for (int Sig : {SIGINT, SIGTERM, SIGHUP})
    ::sigaction(Sig, &Action, nullptr);
}

/// Keeps one connection and asks on it; connects again when it breaks.
class Poller {
public:
  explicit Poller(const ServerTarget &Target) : Target(Target) {}

  /// The status, or why there is none: no server, or an error.
  llvm::Expected<std::optional<ServerStatus>> poll() {
    // A connection kept from the last view may be to a server that exited
    // since: then a new connection finds its successor, or none.
    for (bool Kept = Socket.has_value();; Kept = false) {
      if (!Socket) {
        llvm::Expected<std::optional<FrameSocket>> Connected =
            connectToRunningServer(Target);
        if (!Connected)
          return Connected.takeError();
        if (!*Connected)
          return std::nullopt;
        Socket = std::move(*Connected);
      }
      llvm::Expected<ServerStatus> Status = ask();
      if (Status)
        return std::optional<ServerStatus>(std::move(*Status));
      Socket.reset();
      if (!Kept)
        return Status.takeError();
      llvm::consumeError(Status.takeError());
    }
  }

private:
  llvm::Expected<ServerStatus> ask() {
    if (llvm::Error E = Socket->writeAll(encodeFrame(StatusRequest())))
      return std::move(E);
    return Socket->read<ServerStatus>();
  }

  const ServerTarget &Target;
  std::optional<FrameSocket> Socket;
};

} // namespace

int clang::dist::runMonitor(const ServerTarget &Target, bool Once) {
  bool Terminal = ::isatty(STDOUT_FILENO);
  Poller P(Target);
  if (Once) {
    llvm::Expected<std::optional<ServerStatus>> S = P.poll();
    if (!S || !*S) {
      llvm::errs() << "clang-dist: "
                   << (S ? "no local server runs for " + Target.configName()
                         : "error: " + llvm::toString(S.takeError()))
                   << "\n";
      return 1;
    }
    winsize Size{};
    unsigned Width = Terminal && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &Size) == 0
                         ? Size.ws_col
                         : 0;
    writeAll(STDOUT_FILENO,
             formatStatus(**S, Width, 0, std::time(nullptr)) + "\n");
    return 0;
  }

  catchSignals();
  // The alternate screen, as full-screen programs use: what was on the
  // terminal comes back when the monitor ends.
  if (Terminal) {
    writeAll(STDOUT_FILENO, "\x1b[?1049h\x1b[?25l");
    OnAlternateScreen = 1;
  }
  while (true) {
    winsize Size{};
    unsigned Width = 0, Height = 0;
    if (Terminal && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &Size) == 0) {
      Width = Size.ws_col;
      Height = Size.ws_row;
    }
    std::string Text;
    llvm::Expected<std::optional<ServerStatus>> S = P.poll();
    if (!S)
      Text = "clang-dist: error: " + llvm::toString(S.takeError()) +
             "\nasking again every second (Ctrl-C to quit)";
    else if (!*S)
      Text = "no local server runs for " + Target.configName() +
             "\nwaiting for one (Ctrl-C to quit)";
    else
      Text = formatStatus(**S, Width, Height, std::time(nullptr));
    if (Terminal) {
      // Home, each line cleared to its end, then the rest of the screen:
      // no flicker, and no line of the last view left behind.
      llvm::SmallVector<llvm::StringRef, 64> Lines;
      llvm::StringRef(Text).split(Lines, '\n');
      std::string Screen = "\x1b[H";
      for (size_t I = 0; I != Lines.size(); ++I)
        Screen += (I ? "\x1b[K\n" : "") + Lines[I].str();
      writeAll(STDOUT_FILENO, Screen + "\x1b[K\x1b[J");
    } else {
      writeAll(STDOUT_FILENO, Text + "\n\n");
    }
    pollfd None{-1, 0, 0};
    ::poll(&None, 1, 1000);
  }
}
