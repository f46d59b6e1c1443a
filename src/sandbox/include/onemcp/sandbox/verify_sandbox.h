// The verifier's SpecRunner for real use: specs run in hardened containers through the
// server host (install step, runtime image, attach or HTTP), and are removed afterwards.
#pragma once

#include <memory>

#include "onemcp/sandbox/image_builder.h"
#include "onemcp/sandbox/server_host.h"
#include "onemcp/sandbox/verify.h"

namespace onemcp::sandbox {

std::unique_ptr<SpecRunner> makeSandboxRunner(ServerHost& host, ImageBuilder& images, ProgressFn progress = {});

}  // namespace onemcp::sandbox
