// Per-thread scratch objects (the poller's event buffers) reached in a few
// instructions: a constant-initialised initial-exec TLS pointer, as the error record
// (error.hpp), where a plain thread_local object in a shared library costs a
// __tls_get_addr call and an init guard on every access. The object is made on a
// thread's first use and freed when the thread ends.
#pragma once

namespace polysock {

template <class T>
class ThreadScratch {
 public:
  // The calling thread's object; std::bad_alloc the first time if memory is out.
  static T &get() {
    if (ptr_ == nullptr) [[unlikely]]
      make();
    return *ptr_;
  }

 private:
  struct Owner {
    ~Owner() {
      delete ptr_;
      ptr_ = nullptr;
    }
  };
  __attribute__((noinline)) static void make() {
    static thread_local Owner owner;  // registers the thread-exit free, once per thread
    (void)owner;
    ptr_ = new T();
  }
  static inline constinit thread_local __attribute__((tls_model("initial-exec"))) T *ptr_ = nullptr;
};

}  // namespace polysock
