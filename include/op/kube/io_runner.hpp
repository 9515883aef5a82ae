#pragma once
// Runs an io_context on a few threads until destroyed (the process's one network context).
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <thread>
#include <vector>

namespace op::kube {

class io_runner {
public:
    // Starts `threads` threads running `ioc`; they keep running while idle.
    io_runner(boost::asio::io_context& ioc, int threads);
    // Lets the context run out of work, stops it and joins the threads.
    ~io_runner();
    io_runner(io_runner const&) = delete;
    io_runner& operator=(io_runner const&) = delete;

private:
    boost::asio::io_context& ioc_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::vector<std::thread> threads_;
};

}  // namespace op::kube
