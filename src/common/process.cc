#include "onemcp/common/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace onemcp {
namespace {

Error errnoError(std::string_view what, int err) {
  return Error(ErrorCode::kIo, std::string(what) + ": " + std::strerror(err));
}

ExitStatus decodeStatus(int status) {
  ExitStatus out;
  if (WIFEXITED(status)) {
    out.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    out.signal = WTERMSIG(status);
  }
  return out;
}

std::vector<std::string> buildEnv(const ProcessSpec& spec) {
  std::map<std::string, std::string> merged;
  if (spec.inherit_env) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      std::string_view kv(*e);
      auto eq = kv.find('=');
      if (eq == std::string_view::npos) continue;
      merged[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
  }
  for (const auto& [k, v] : spec.env) merged[k] = v;
  std::vector<std::string> out;
  out.reserve(merged.size());
  for (const auto& [k, v] : merged) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> cStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Owns posix_spawn's two attribute objects for the duration of one spawn.
struct SpawnAttrs {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  SpawnAttrs() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnAttrs() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnAttrs(const SpawnAttrs&) = delete;
  SpawnAttrs& operator=(const SpawnAttrs&) = delete;
};

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

namespace {

// Blocks SIGPIPE on the calling thread, once: a vanished reader is then an EPIPE, not a
// dead process. Blocking and restoring it around every write cost three system calls per
// message on the proxy's hot path. Children do not inherit the mask (spawn() resets it).
void blockSigpipeOnThisThread() {
  thread_local const bool blocked = [] {
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    return pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr) == 0;
  }();
  (void)blocked;
}

}  // namespace

Result<void> writeAll(int fd, std::string_view data) {
  blockSigpipeOnThisThread();
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, 1000);
        continue;
      }
      if (errno == EPIPE) {
        // The write raised SIGPIPE, now pending on this thread: take it.
        sigset_t pipe_set;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        timespec zero{0, 0};
        sigtimedwait(&pipe_set, nullptr, &zero);
        return fail(ErrorCode::kClosed, "peer closed its end of the pipe");
      }
      return errnoError("write", errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<Pipe> makePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return errnoError("pipe2", errno);
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

std::string ExitStatus::toString() const {
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exited with code " + std::to_string(code);
}

Result<std::unique_ptr<Process>> Process::spawn(const ProcessSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return fail(ErrorCode::kInvalidInput, "cannot spawn a process without a program");
  }
  Pipe in;
  Pipe out;
  Pipe err;
  SpawnAttrs sa;
  auto plumb = [&](bool piped, Pipe& p, int target, bool child_reads) -> Result<void> {
    if (!piped) return {};
    auto made = makePipe();
    if (!made) return fail(made.error());
    p = std::move(*made);
    int child_end = child_reads ? p.read.get() : p.write.get();
    posix_spawn_file_actions_adddup2(&sa.actions, child_end, target);
    return {};
  };
  ONEMCP_TRY(plumb(spec.pipe_stdin, in, STDIN_FILENO, true));
  ONEMCP_TRY(plumb(spec.pipe_stdout, out, STDOUT_FILENO, false));
  ONEMCP_TRY(plumb(spec.pipe_stderr, err, STDERR_FILENO, false));
  if (!spec.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&sa.actions, spec.cwd.c_str());
  }
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (spec.own_process_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(&sa.attr, 0);
  }
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&sa.attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  posix_spawnattr_setsigdefault(&sa.attr, &defaults);
  posix_spawnattr_setflags(&sa.attr, flags);

  std::vector<std::string> argv_copy = spec.argv;
  std::vector<std::string> env = buildEnv(spec);
  auto argv_c = cStrings(argv_copy);
  auto env_c = cStrings(env);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv_c[0], &sa.actions, &sa.attr, argv_c.data(), env_c.data());
  if (rc != 0) {
    return Error(ErrorCode::kIo, "cannot start '" + spec.argv[0] + "': " + std::strerror(rc));
  }
  return std::unique_ptr<Process>(new Process(pid, spec.own_process_group, std::move(in.write),
                                              std::move(out.read), std::move(err.read)));
}

Process::Process(pid_t pid, bool group, Fd in, Fd out, Fd err)
    : pid_(pid),
      group_(group),
      stdin_(std::move(in)),
      stdout_(std::move(out)),
      stderr_(std::move(err)) {
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) pidfd_.reset(pidfd);
}

Process::~Process() {
  stdin_.reset();
  if (!exit_) terminate(kDefaultGrace);
}

bool Process::reap(bool block) {
  if (exit_) return true;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
    if (r == pid_) {
      exit_ = decodeStatus(status);
      return true;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      exit_ = ExitStatus{};  // not our child any more: nothing left to reap
      return true;
    }
    return false;
  }
}

std::optional<ExitStatus> Process::tryWait() {
  if (reap(false)) return exit_;
  return std::nullopt;
}

Result<ExitStatus> Process::wait(std::chrono::milliseconds timeout) {
  if (reap(false)) return *exit_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) left = std::chrono::milliseconds(0);
    if (pidfd_.valid()) {
      pollfd p{pidfd_.get(), POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(left.count()));
    } else {
      // Kernels without pidfd: poll waitpid at a short interval.
      std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(5)));
    }
    if (reap(false)) return *exit_;
    if (std::chrono::steady_clock::now() >= deadline) {
      return fail(ErrorCode::kTimeout, "process " + std::to_string(pid_) + " still running");
    }
  }
}

void Process::signal(int sig) const {
  if (exit_) return;
  if (group_) {
    ::kill(-pid_, sig);
  } else {
    ::kill(pid_, sig);
  }
}

ExitStatus Process::terminate(std::chrono::milliseconds grace) {
  if (tryWait()) return *exit_;
  signal(SIGTERM);
  if (auto done = wait(grace)) return *done;
  signal(SIGKILL);
  reap(true);
  return *exit_;
}

}  // namespace onemcp
