/* Dockyard's hello-world: prints what just happened, then exits. No libc: two raw Linux x86-64 syscalls,
 * so the whole image is one file of a few KiB. */

static const char message[] =
    "\n"
    "Hello from Dockyard!\n"
    "This message shows that your Docker engine is working.\n"
    "\n"
    "Here is what just happened:\n"
    " 1. The docker command-line client asked the Docker daemon to run the \"hello-world\" image.\n"
    " 2. The daemon found the image in its local image store. (In Dockyard, course images are\n"
    "    loaded into your sandbox when it starts, so nothing had to be downloaded.)\n"
    " 3. The daemon created a new container from that image: a process with its own filesystem,\n"
    "    process tree and network, running the program that printed this text.\n"
    " 4. The daemon streamed the program's output back to the client, which showed it in your terminal.\n"
    "\n"
    "When this program exits, the container stops. It still exists, though; see it with:\n"
    " $ docker ps -a\n"
    "\n"
    "Something more ambitious: a shell in a container of its own:\n"
    " $ docker run -it busybox sh\n"
    "\n";

static long syscall3(long n, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
}

void _start(void) {
  syscall3(1 /* write */, 1, (long)message, sizeof message - 1);
  syscall3(60 /* exit */, 0, 0, 0);
  for (;;) {
  }
}
