#include "batch/discover.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace onnx_reinit {
namespace {

namespace fs = std::filesystem;

absl::Status ListError(const std::string& path, const std::error_code& ec) {
  const std::string message =
      absl::StrCat("cannot read \"", path, "\": ", ec.message());
  if (ec == std::errc::no_such_file_or_directory) {
    return absl::NotFoundError(message);
  }
  if (ec == std::errc::permission_denied) {
    return absl::PermissionDeniedError(message);
  }
  return absl::UnknownError(message);
}

// Lists `folder` (relative path `prefix` beneath the root) and the folders
// in it. A folder that cannot be read is reported as one failed entry; the
// rest of the tree is still listed.
void WalkFolder(int root_index, const InputRoot& root, const fs::path& folder,
                const std::string& prefix, std::vector<FoundModel>* found) {
  std::error_code ec;
  fs::directory_iterator it(folder, ec), end;
  std::vector<std::pair<std::string, fs::path>> subfolders;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    const std::string name = entry.path().filename().string();
    const std::string relative = prefix.empty() ? name : prefix + "/" + name;
    std::error_code type_ec;
    // A link to a folder is not walked (no cycles); a link to a file is
    // followed.
    if (entry.is_directory(type_ec) && !entry.is_symlink(type_ec)) {
      subfolders.emplace_back(relative, entry.path());
      continue;
    }
    if (entry.path().extension() != ".onnx" || !entry.is_regular_file(type_ec))
      continue;
    FoundModel model;
    model.root = root_index;
    model.relative = relative;
    model.path = JoinPath(root.path, relative);
    model.canonical = JoinPath(root.canonical, relative);
    std::error_code size_ec;
    model.bytes = entry.file_size(size_ec);
    if (size_ec) model.bytes = 0;
    found->push_back(std::move(model));
  }
  if (ec) {
    FoundModel failed;
    failed.root = root_index;
    failed.path = folder.string();
    failed.relative = prefix;
    failed.error = ListError(folder.string(), ec);
    found->push_back(std::move(failed));
  }
  for (const auto& [relative, path] : subfolders) {
    WalkFolder(root_index, root, path, relative, found);
  }
}

}  // namespace

std::string JoinPath(const std::string& folder, const std::string& relative) {
  if (folder.empty() || folder.back() == '/') return folder + relative;
  return absl::StrCat(folder, "/", relative);
}

std::string CanonicalPath(const std::string& path) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(fs::absolute(path, ec), ec);
  if (ec) return "";
  return canonical.lexically_normal().string();
}

FoundInputs FindModels(const std::vector<std::string>& inputs) {
  FoundInputs result;
  for (const std::string& input : inputs) {
    InputRoot root;
    root.path = input;
    std::error_code ec;
    const fs::file_status status = fs::status(input, ec);
    root.is_folder = !ec && fs::is_directory(status);
    if (!ec && fs::exists(status)) root.canonical = CanonicalPath(input);
    const int index = static_cast<int>(result.roots.size());
    result.roots.push_back(root);
    if (root.is_folder) {
      std::vector<FoundModel> found;
      WalkFolder(index, root, fs::path(input), "", &found);
      std::sort(found.begin(), found.end(),
                [](const FoundModel& a, const FoundModel& b) {
                  return a.relative < b.relative;
                });
      for (FoundModel& model : found) result.models.push_back(std::move(model));
      continue;
    }
    // A file input is a model whatever its name; one that cannot be read
    // fails when it is opened, with the same message as a single run.
    FoundModel model;
    model.root = index;
    model.path = input;
    model.relative = fs::path(input).filename().string();
    model.canonical = root.canonical;
    std::error_code size_ec;
    model.bytes = fs::file_size(input, size_ec);
    if (size_ec) model.bytes = 0;
    result.models.push_back(std::move(model));
  }
  return result;
}

}  // namespace onnx_reinit
