// SIGINT/SIGTERM for the long-running subcommands (demo-server --http, proxy --http,
// daemon run): blocked before any thread starts, so only wait() ever sees them.
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

 private:
  sigset_t set_{};
};

}  // namespace onemcp::app
