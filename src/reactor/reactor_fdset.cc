// ReactorBase: IReactorFDSet over the FdRegistry, and internal readers.
#include "reactor/reactor_base.h"

namespace weft {

void ReactorBase::addReader(std::shared_ptr<IReadDescriptor> reader) {
  assertIOThread("addReader()");
  fds_.addReader(std::move(reader));
}

void ReactorBase::addWriter(std::shared_ptr<IWriteDescriptor> writer) {
  assertIOThread("addWriter()");
  fds_.addWriter(std::move(writer));
}

void ReactorBase::removeReader(const std::shared_ptr<IReadDescriptor>& reader) {
  assertIOThread("removeReader()");
  if (reader) fds_.removeReader(reader.get());
}

void ReactorBase::removeWriter(const std::shared_ptr<IWriteDescriptor>& writer) {
  assertIOThread("removeWriter()");
  if (writer) fds_.removeWriter(writer.get());
}

void ReactorBase::stopReading(const IFileDescriptor* d) {
  assertIOThread("stopReading()");
  fds_.removeReader(d);
}

void ReactorBase::stopWriting(const IFileDescriptor* d) {
  assertIOThread("stopWriting()");
  fds_.removeWriter(d);
}

std::vector<std::shared_ptr<IFileDescriptor>> ReactorBase::removeAll() {
  assertIOThread("removeAll()");
  return fds_.removeAll();
}

std::vector<std::shared_ptr<IReadDescriptor>> ReactorBase::getReaders() const {
  return fds_.getReaders();
}

std::vector<std::shared_ptr<IWriteDescriptor>> ReactorBase::getWriters() const {
  return fds_.getWriters();
}

void ReactorBase::addInternalReader(int fd, Function<void()> onReadable) {
  assertIOThread("addInternalReader()");
  fds_.addInternalReader(fd, std::move(onReadable));
}

void ReactorBase::removeInternalReader(int fd) {
  assertIOThread("removeInternalReader()");
  fds_.removeInternalReader(fd);
}

}  // namespace weft
