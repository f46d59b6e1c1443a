// An RAII child process: spawned with pipes for stdin/stdout/stderr, stopped on
// destruction (SIGTERM, wait, SIGKILL, reap) so that no child outlives its owner.
// Used to run MCP servers over stdio and any helper program a component needs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "onemcp/common/result.h"

namespace onemcp {

// An owned file descriptor; closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Writes all of `data`, retrying on EINTR and partial writes. A reader that has gone
// away yields kClosed instead of killing the process with SIGPIPE: the calling thread
// keeps SIGPIPE blocked from its first call on.
Result<void> writeAll(int fd, std::string_view data);

// A pipe pair with close-on-exec set on both ends.
struct Pipe {
  Fd read;
  Fd write;
};
Result<Pipe> makePipe();

// What to run. argv[0] is looked up in PATH when it has no slash.
struct ProcessSpec {
  std::vector<std::string> argv;
  // Variables set on top of the inherited environment (or of an empty one).
  std::map<std::string, std::string> env;
  bool inherit_env = true;
  std::string cwd;  // empty: the parent's
  // When false the child inherits the parent's descriptor instead of a pipe.
  bool pipe_stdin = true;
  bool pipe_stdout = true;
  bool pipe_stderr = true;
  // The child leads its own process group, so stopping it also stops its children.
  bool own_process_group = true;
};

struct ExitStatus {
  int code = -1;    // exit code when exited normally, else -1
  int signal = 0;   // terminating signal, 0 when exited normally
  [[nodiscard]] bool success() const { return signal == 0 && code == 0; }
  [[nodiscard]] std::string toString() const;
};

class Process {
 public:
  static constexpr std::chrono::milliseconds kDefaultGrace{2000};

  static Result<std::unique_ptr<Process>> spawn(const ProcessSpec& spec);

  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  // Stops the child if still running: terminate(kDefaultGrace).
  ~Process();

  [[nodiscard]] pid_t pid() const { return pid_; }
  // Pipe ends owned by this object (-1 when not piped or already taken/closed).
  [[nodiscard]] int stdinFd() const { return stdin_.get(); }
  [[nodiscard]] int stdoutFd() const { return stdout_.get(); }
  [[nodiscard]] int stderrFd() const { return stderr_.get(); }
  // Hands a pipe end to a new owner (for example a transport).
  Fd takeStdin() { return std::move(stdin_); }
  Fd takeStdout() { return std::move(stdout_); }
  Fd takeStderr() { return std::move(stderr_); }
  // Signals end of input to the child.
  void closeStdin() { stdin_.reset(); }

  // Waits up to `timeout` for the child to exit; kTimeout if it is still running.
  Result<ExitStatus> wait(std::chrono::milliseconds timeout);
  // The exit status if the child has exited, without blocking.
  std::optional<ExitStatus> tryWait();
  // SIGTERM, wait up to `grace`, then SIGKILL and reap. Returns how it ended.
  ExitStatus terminate(std::chrono::milliseconds grace = kDefaultGrace);
  // Sends a signal to the child (its group when it leads one).
  void signal(int sig) const;

 private:
  Process(pid_t pid, bool group, Fd in, Fd out, Fd err);
  bool reap(bool block);

  pid_t pid_;
  bool group_;
  Fd pidfd_;
  Fd stdin_;
  Fd stdout_;
  Fd stderr_;
  std::optional<ExitStatus> exit_;
};

}  // namespace onemcp
