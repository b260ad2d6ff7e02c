#include "transport/live_set.h"

#include "weft/base/log.h"

#include <vector>

namespace weft::tcp {
namespace {

// The live members, kept alive for the duration of a pass (a close may drop the last
// outside reference, and members remove themselves from the map while we walk).
std::vector<std::shared_ptr<LiveMember>> snapshot(
    const std::unordered_map<const LiveMember*, std::weak_ptr<LiveMember>>& members) {
  std::vector<std::shared_ptr<LiveMember>> out;
  out.reserve(members.size());
  for (const auto& [key, weak] : members) {
    if (auto member = weak.lock()) out.push_back(std::move(member));
  }
  return out;
}

}  // namespace

void LiveSet::add(const std::shared_ptr<LiveMember>& member) { members_[member.get()] = member; }

void LiveSet::remove(const LiveMember* member) { members_.erase(member); }

void LiveSet::closeAll(const Failure& reason) {
  for (auto& member : snapshot(members_)) {
    try {
      member->closeAtShutdown(reason);
    } catch (...) {
      log::error("Unhandled error in connectionLost during shutdown:\n" +
                 Failure::current().getTraceback());
    }
  }
}

void LiveSet::abandonAll() {
  for (auto& member : snapshot(members_)) member->abandon();
  members_.clear();
}

}  // namespace weft::tcp
