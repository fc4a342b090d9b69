#pragma once

#include <httplib.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace ixh::mock {

// One accepted connection as a cpp-httplib worker serves it: the httplib::Stream the library
// reads requests from and writes responses to, in place of its own SocketStream. The mock's
// server (ListeningServer::process_and_close_socket) creates one per connection on the worker
// thread and keeps it for the connection's life; handlers on that thread reach it through
// current(). Not thread-safe: only its worker touches it.
//
// What it does differently from cpp-httplib's SocketStream, and why:
// - It knows its descriptor, so a handler can act on the socket (faults) or hand it over to
//   the stream writer without searching for it.
// - Reads are buffered for the whole connection (cpp-httplib reads a request line byte by byte)
//   and block in recv() under SO_RCVTIMEO instead of a poll() before every recv().
// - Writes are held back and sent together (status line, headers and body in one send) until the
//   response is over, the connection reads again, or a lot has gathered; a response whose
//   handler asked for write-through (a stream on the worker thread) is sent as written, with the
//   library's own per-write check that the client is still there.
// - The endpoints are looked up once per connection, not once per request.
class ServedConnection final : public httplib::Stream {
 public:
  ServedConnection(int fd, std::chrono::microseconds read_timeout,
                   std::chrono::microseconds write_timeout);
  ~ServedConnection() override;
  ServedConnection(const ServedConnection&) = delete;
  ServedConnection& operator=(const ServedConnection&) = delete;

  // The connection the calling thread is serving, or nullptr when it serves none.
  static ServedConnection* current();
  // Makes `conn` the calling thread's current() for the scope's life.
  class Scope {
   public:
    explicit Scope(ServedConnection& conn);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    ServedConnection* outer_;
  };

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

  // Waits up to `timeout` for the next request's first bytes (already buffered ones count).
  // False on timeout, error or end of connection.
  bool wait_for_request(std::chrono::milliseconds timeout);

  // Sends whatever write() held back. False when the send failed.
  bool flush();

  // The response being prepared is written through (every write goes out at once). Reset for
  // every request by the serving loop.
  void set_write_through(bool on) { write_through_ = on; }

  // Asks the serving loop to give the socket away once the library is done with this request:
  // `take` then runs on this thread with the descriptor (its ownership passes with it) and the
  // response bytes written but not yet sent (status line and headers). The connection is then
  // neither reused nor closed by the server. Called by a content provider, which then returns
  // false so that the library writes nothing more.
  using TakeOver = std::function<void(int fd, std::string unsent)>;
  void hand_over(TakeOver take) { take_over_ = std::move(take); }
  bool handing_over() const { return static_cast<bool>(take_over_); }
  // Runs the hand-over; afterwards this object no longer owns the descriptor.
  void complete_hand_over();

  // For the keep-alive loop, which serves a request on its own thread only when the whole request
  // is already buffered, and must never block:
  // Reads what the socket holds without waiting. -1: the peer closed or failed; else bytes read.
  ssize_t fill_nonblocking();
  // The buffered bytes hold a whole GET request without a body that cannot turn into a stream
  // (no `stream` and no percent-escape in its query): safe to serve without blocking.
  bool has_plain_get() const;
  // The buffered bytes hold a whole request head, or the buffer is full without one.
  bool head_buffered_or_full() const;
  bool has_buffered_input() const { return in_off_ < in_len_; }
  // While on: reads never wait, writes are all held back. Off: the blocking behaviour above.
  void set_nonblocking_mode(bool on) { nonblocking_ = on; }
  // Sends what was held back without waiting; false when some of it is still held (or the send
  // failed, which the next blocking send then reports).
  bool flush_nonblocking();

  // Requests this connection may still carry (keep-alive budget), and whether it served any.
  std::size_t requests_left = 0;
  bool served_any = false;

  // Closes the connection as cpp-httplib does (shutdown both directions, then close) unless it
  // was handed over. Called by the serving loop at the end.
  void close();

 private:
  bool send_all(const char* a, std::size_t an, const char* b, std::size_t bn);
  void look_up_endpoints() const;

  int fd_;
  const std::chrono::microseconds write_timeout_;
  bool write_through_ = false;
  std::string pending_;  // written, not yet sent
  std::array<char, 4096> in_{};
  std::size_t in_off_ = 0;
  std::size_t in_len_ = 0;
  TakeOver take_over_;
  mutable bool endpoints_known_ = false;
  mutable std::string remote_ip_;
  mutable int remote_port_ = -1;
  mutable std::string local_ip_;
  mutable int local_port_ = -1;
  bool nonblocking_ = false;
};

}  // namespace ixh::mock
