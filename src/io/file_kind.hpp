#pragma once
// What kind of file system object a path names, for the checks that keep jointfact from reading a FIFO
// (it would block for ever) or replacing a device node, directory or socket. Local, not collective.
#include <string>

namespace jf {

// "" for a regular file (symbolic links followed); otherwise "a directory", "a FIFO", "a character
// device", "a block device", "a socket". `exists` tells whether the path names anything at all.
std::string non_regular_kind(const std::string& path, bool& exists);

// Why `path` cannot be read as a regular file ("" when it can): no such file, permission denied (from
// the operating system's own answer), or the kind of object it is.
std::string unreadable_reason(const std::string& path);

// True when both paths name the same existing file (same device and inode).
bool same_file(const std::string& a, const std::string& b);

}  // namespace jf
