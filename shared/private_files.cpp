// Private data folders and keys; see private_files.hpp.
#include "shared/private_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
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
  struct stat folder {};
  if (::stat(dir.c_str(), &folder) != 0 || (folder.st_mode & 0777) != 0700) {
    if (::chmod(dir.c_str(), 0700) != 0)
      return make_error(Errc::storage_failed,
                        errno == EROFS ? "data folder " + dir +
                                             " is on a read-only file system — Liaison writes there; "
                                             "mount it read-write, or copy the folder elsewhere"
                                       : "can't make data folder " + dir +
                                             " private (mode 0700) — it must belong to the user running Liaison");
  }
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec) || entry.is_symlink(ec)) continue;
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) == 0 && (st.st_mode & 077) != 0 && ::chmod(entry.path().c_str(), 0600) != 0)
      return make_error(Errc::storage_failed, "can't make " + entry.path().string() +
                                                  " private (mode 0600) — it must belong to the user running Liaison");
  }
  if (ec) return make_error(Errc::storage_failed, "can't read data folder " + dir + ": " + ec.message());
  return {};
}

Status check_private_key(const std::string& key) {
  struct stat st {};
  if (::stat(key.c_str(), &st) != 0) return {};  // a missing key is reported by whoever reads it
  if ((st.st_mode & 077) == 0) return {};
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 0777));
  return make_error(Errc::invalid_argument, "private key " + key +
                                                " can be read by other users of this machine (mode " + mode +
                                                ") — restrict it with 'chmod 600 " + key + "' and try again");
}

Status write_private_file(const std::string& path, const std::string& body) {
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(Errc::storage_failed, "can't write " + temp + ": " + std::strerror(errno) +
                                                " — check the data folder's permissions and free space");
  const bool written = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!written || ::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(written ? errno : saved);
    ::unlink(temp.c_str());
    return make_error(Errc::storage_failed, "can't write " + path + ": " + why + " — check free space and permissions");
  }
  return {};
}

void create_files_private() { ::umask(077); }

}  // namespace liaison
