#include "io/file_kind.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace jf {
namespace {

std::string system_reason(int error_number) {
  std::string text = std::strerror(error_number);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

}  // namespace

std::string non_regular_kind(const std::string& path, bool& exists) {
  struct stat status {};
  exists = stat(path.c_str(), &status) == 0;
  if (!exists || S_ISREG(status.st_mode)) return "";
  if (S_ISDIR(status.st_mode)) return "a directory";
  if (S_ISFIFO(status.st_mode)) return "a FIFO";
  if (S_ISCHR(status.st_mode)) return "a character device";
  if (S_ISBLK(status.st_mode)) return "a block device";
  if (S_ISSOCK(status.st_mode)) return "a socket";
  return "not a regular file";
}

std::string unreadable_reason(const std::string& path) {
  if (path.empty()) return "the file name is empty";
  struct stat status {};
  if (stat(path.c_str(), &status) != 0) return system_reason(errno);
  bool exists = true;
  const std::string kind = non_regular_kind(path, exists);
  if (!kind.empty()) return "it is " + kind + ", not a regular file";
  const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK);  // never blocks, even if replaced by a FIFO since
  if (fd < 0) return system_reason(errno);
  close(fd);
  return "";
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  return stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

}  // namespace jf
