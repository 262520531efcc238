// Private data folders and keys; see private_files.hpp.
#include "shared/private_files.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

namespace liaison {

namespace fs = std::filesystem;

Status make_private_folder(const std::string& dir) {
  std::error_code ec;
  const fs::file_status link = fs::symlink_status(dir, ec);
  if (fs::is_symlink(link) && !fs::exists(dir, ec))
    return make_error(Errc::invalid_argument, dir + " is a symbolic link to " + fs::read_symlink(dir, ec).string() +
                                                  ", which does not exist — create that folder or give another one");
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    return make_error(Errc::invalid_argument, dir + " exists and is not a folder — give a folder for this node's data");
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec)
      return make_error(Errc::storage_failed, "can't create data folder " + dir + ": " + ec.message() +
                                                  " — check the parent folder's permissions");
  }
  if (::chmod(dir.c_str(), 0700) != 0)
    return make_error(Errc::storage_failed, "can't make data folder " + dir +
                                                " private (mode 0700) — it must belong to the user running Liaison");
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec) || entry.is_symlink(ec)) continue;
    struct stat st{};
    if (::stat(entry.path().c_str(), &st) == 0 && (st.st_mode & 077) != 0 &&
        ::chmod(entry.path().c_str(), 0600) != 0)
      return make_error(Errc::storage_failed, "can't make " + entry.path().string() +
                                                  " private (mode 0600) — it must belong to the user running Liaison");
  }
  if (ec) return make_error(Errc::storage_failed, "can't read data folder " + dir + ": " + ec.message());
  return {};
}

Status check_private_key(const std::string& key) {
  struct stat st{};
  if (::stat(key.c_str(), &st) != 0) return {};  // a missing key is reported by whoever reads it
  if ((st.st_mode & 077) == 0) return {};
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 0777));
  return make_error(Errc::invalid_argument, "private key " + key + " can be read by other users of this machine (mode " +
                                                mode + ") — restrict it with 'chmod 600 " + key + "' and try again");
}

void create_files_private() { ::umask(077); }

}  // namespace liaison
