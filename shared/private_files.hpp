// Keeping a node's data private on a shared machine: its data folder is
// 0700 and every file in it 0600 (replica, WAL, journal, configuration),
// whoever made the folder, and a private key others can read is refused.
// The programs also set their umask to 077 so files SQLite creates later
// start private.
#pragma once

#include <string>

#include "shared/error.hpp"

namespace liaison {

// Creates `dir` (and its parents) if missing, then makes it 0700 and every
// regular file directly in it 0600. A symbolic link that leads nowhere, or a
// path that is not a folder, is an error saying so.
Status make_private_folder(const std::string& dir);

// Refuses a private key file that users other than its owner can read or
// write, as ssh does, with the chmod that fixes it.
Status check_private_key(const std::string& key);

// Replaces `path` with `body` whole or not at all: written to a private
// (0600) temporary file beside it, flushed to disk, then renamed over it.
// On failure the previous file is untouched and the error says why.
Status write_private_file(const std::string& path, const std::string& body);

// The process creates its files private from now on (umask 077).
void create_files_private();

}  // namespace liaison
