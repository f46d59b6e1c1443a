// gmock double of DockerClient for unit tests of everything built on the engine.
#pragma once

#include <gmock/gmock.h>

#include "onemcp/sandbox/docker_client.h"

namespace onemcp::sandbox::testing {

class MockDockerClient : public DockerClient {
 public:
  MOCK_METHOD(std::string, endpoint, (), (const, override));
  MOCK_METHOD(Result<void>, ping, (), (override));
  MOCK_METHOD(Result<EngineVersion>, version, (), (override));
  MOCK_METHOD(Result<std::vector<ImageInfo>>, listImages, (const LabelFilter&), (override));
  MOCK_METHOD(Result<ImageInfo>, inspectImage, (const std::string&), (override));
  MOCK_METHOD(Result<std::string>, importImage,
              (const std::filesystem::path&, const ImageImport&), (override));
  MOCK_METHOD(Result<void>, removeImage, (const std::string&, bool), (override));
  MOCK_METHOD(Result<std::string>, buildImage,
              (const std::filesystem::path&, const ImageBuild&, const ProgressFn&), (override));
  MOCK_METHOD(Result<std::string>, createContainer, (const ContainerConfig&), (override));
  MOCK_METHOD(Result<void>, startContainer, (const std::string&), (override));
  MOCK_METHOD(Result<void>, stopContainer, (const std::string&, std::chrono::seconds),
              (override));
  MOCK_METHOD(Result<void>, killContainer, (const std::string&, const std::string&),
              (override));
  MOCK_METHOD(Result<WaitResult>, waitContainer, (const std::string&, std::chrono::milliseconds),
              (override));
  MOCK_METHOD(Result<void>, removeContainer, (const std::string&, bool), (override));
  MOCK_METHOD(Result<ContainerInfo>, inspectContainer, (const std::string&), (override));
  MOCK_METHOD(Result<std::vector<ContainerSummary>>, listContainers, (const LabelFilter&, bool),
              (override));
  MOCK_METHOD(Result<std::string>, containerLogs, (const std::string&, int), (override));
  MOCK_METHOD(Result<std::unique_ptr<AttachStream>>, attachContainer, (const std::string&),
              (override));
  MOCK_METHOD(Result<void>, createVolume, (const std::string&, const Labels&), (override));
  MOCK_METHOD(Result<std::optional<VolumeInfo>>, inspectVolume, (const std::string&),
              (override));
  MOCK_METHOD(Result<void>, removeVolume, (const std::string&, bool), (override));
  MOCK_METHOD(Result<std::vector<VolumeInfo>>, listVolumes, (const LabelFilter&), (override));
  MOCK_METHOD(Result<std::string>, createNetwork, (const std::string&, const Labels&, bool),
              (override));
  MOCK_METHOD(Result<void>, removeNetwork, (const std::string&), (override));
  MOCK_METHOD(Result<std::vector<NetworkInfo>>, listNetworks, (const LabelFilter&), (override));
};

}  // namespace onemcp::sandbox::testing
