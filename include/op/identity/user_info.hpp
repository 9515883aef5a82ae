#pragma once
// The identity of a Kubernetes user: the userInfo of an AdmissionReview's requester, which is
// also the Stack owner the identity module records and verifies (identity.hpp). Plain data.
#include <map>
#include <string>
#include <vector>

namespace op::identity {

// userInfo of the requester; also the persisted Stack owner (identity.hpp).
struct user_info {
    std::string username;
    std::string uid;
    std::vector<std::string> groups;
    std::map<std::string, std::vector<std::string>> extra;
    friend bool operator==(user_info const&, user_info const&) = default;
};

using owner = user_info;

}  // namespace op::identity
