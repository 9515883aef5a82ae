#include "op/kube/io_runner.hpp"

namespace op::kube {

io_runner::io_runner(boost::asio::io_context& ioc, int threads)
    : ioc_(ioc), guard_(ioc.get_executor()) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
}

io_runner::~io_runner() {
    guard_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
}

}  // namespace op::kube
