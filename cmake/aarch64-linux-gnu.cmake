# Cross-compiling for AArch64 Linux with Debian's gcc-aarch64-linux-gnu
# (`make test-neon` uses it and runs the tests under qemu-aarch64):
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
# The compiler is aarch64-linux-gnu-gcc unless -DCMAKE_C_COMPILER=clang is
# given: clang then targets aarch64-linux-gnu and uses the same headers and
# libraries.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

if(NOT CMAKE_C_COMPILER)
  set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
elseif(CMAKE_C_COMPILER MATCHES "clang")
  set(CMAKE_C_COMPILER_TARGET aarch64-linux-gnu)
endif()

# Headers and libraries come from the target's tree only (the host's x86-64
# libraries, MPFR among them, must not be picked up); programs from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# try_run and the tests run the target's programs under qemu.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64)
