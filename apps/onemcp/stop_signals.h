// SIGINT/SIGTERM for the long-running subcommands (demo-server --http, proxy --http,
// daemon run, sandbox run): blocked before any thread starts, so only wait() ever sees them.
#pragma once

#include <signal.h>

namespace onemcp::app {

class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  // Blocks until SIGINT or SIGTERM arrives; returns which.
  int wait() {
    int sig = 0;
    sigwait(&set_, &sig);
    return sig;
  }
  // True when SIGINT or SIGTERM is pending (and takes it); never blocks. For loops that
  // poll something else, like `sandbox run`'s stdin relay.
  bool pending() {
    const timespec zero{0, 0};
    return sigtimedwait(&set_, nullptr, &zero) > 0;
  }

 private:
  sigset_t set_{};
};

}  // namespace onemcp::app
