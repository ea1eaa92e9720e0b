// The text parts of a synthetic ScanImage file: the static `SI.* = value` header and the
// per-page frame-varying description, modelled on real SI 2016–2022 files (SCANIMAGE.md §3).
#include <string>

#include <fmt/format.h>

#include "synth/scanimage_writer.hpp"

namespace flamecare::detail {
namespace {

constexpr double kFramePeriodSec = 0.0331;  // ~30 Hz resonant scanning at 512 lines

std::string channel_list(const StackSpec& spec, char separator) {
  if (spec.channels == 1) return std::to_string(spec.first_channel_id);
  std::string text = "[";
  for (int c = 0; c < spec.channels; ++c) {
    if (c > 0) text += separator;
    text += std::to_string(spec.first_channel_id + c);
  }
  return text + "]";
}

}  // namespace

std::string scanimage_header_text(const StackSpec& spec) {
  const bool v4 = spec.header_version == 4;
  const std::string fps =
      spec.frames_per_slice ? std::to_string(*spec.frames_per_slice) : std::string("Inf");
  const int logged_frames = spec.frames_per_slice ? *spec.frames_per_slice : spec.frames;
  std::string text;
  const auto line = [&text](std::string_view key, const std::string& value) {
    text += fmt::format("SI.{} = {}\n", key, value);
  };
  line("LINE_FORMAT_VERSION", "1");
  line("PREMIUM", "true");
  line("TIFF_FORMAT_VERSION", std::to_string(spec.header_version));
  line("VERSION_COMMIT", "'9b2b7f0c8bd1e3d3e0a4f0a5c1f6c7d8e9a0b1c2'");
  line("VERSION_MAJOR", v4 ? "2022" : "'2016b'");
  line("VERSION_MINOR", v4 ? "1" : "'0'");
  line("acqState", "'grab'");
  line("hChannels.channelAdcResolution", "{16 16 16 16}");
  line("hChannels.channelDisplay", channel_list(spec, ';'));
  line("hChannels.channelName", "{'Channel 1' 'Channel 2' 'Channel 3' 'Channel 4'}");
  line("hChannels.channelOffset", "[-512 -498 -530 -505]");
  line("hChannels.channelSave", channel_list(spec, ';'));
  line("hChannels.channelSubtractOffset", "[true true true true]");
  line("hChannels.channelsActive", channel_list(spec, ';'));
  line("hChannels.channelType", "{'stripe' 'stripe' 'stripe' 'stripe'}");
  line("hRoiManager.linesPerFrame", std::to_string(spec.height));
  line("hRoiManager.mroiEnable", "false");
  line("hRoiManager.pixelsPerLine", std::to_string(spec.width));
  line("hRoiManager.scanFramePeriod", fmt::format("{}", kFramePeriodSec));
  line("hRoiManager.scanZoomFactor", "2");
  line("hScan2D.bidirectional", "true");
  line("hScan2D.channelsDataType", fmt::format("'{}'", pixel_type_name(spec.pixel_type)));
  line("hScan2D.logAverageFactor", "1");
  line("hScan2D.logFramesPerFile", "Inf");
  line("hScan2D.logFileCounter", "1");
  line("hScan2D.logFileStem", "'Im'");
  line("hScan2D.scannerType", "'RG'");
  line("hStackManager.actualNumSlices", "1");
  line("hStackManager.actualNumVolumes", "1");
  line("hStackManager.framesPerSlice", fps);
  line("hStackManager.numSlices", "1");
  line("hStackManager.numVolumes", "1");
  line("hStackManager.stackMode", "'slow'");
  line("hStackManager.zs", "0");
  line("hScan2D.logNumSlices", "1");
  line("hStackManager.numFramesPerVolume", std::to_string(logged_frames));
  return text;
}

std::string scanimage_frame_description(const StackSpec& spec, int page) {
  const int frame = page / spec.channels;
  const bool last = frame == spec.frames - 1;
  return fmt::format(
      "frameNumbers = {0}\nacquisitionNumbers = 1\nframeNumberAcquisition = {0}\n"
      "frameTimestamps_sec = {1:.6f}\nacqTriggerTimestamps_sec = 0.000000\n"
      "nextFileMarkerTimestamps_sec = -1.000000\nendOfAcquisition = {2}\n"
      "endOfAcquisitionMode = {2}\ndcOverVoltage = 0\nepoch = [2023  5 17 14  3 21.512]\n"
      "auxTrigger0 = []\nauxTrigger1 = []\nauxTrigger2 = []\nauxTrigger3 = []\nI2CData = {{}}\n",
      frame + 1, frame * kFramePeriodSec, last ? 1 : 0);
}

}  // namespace flamecare::detail
