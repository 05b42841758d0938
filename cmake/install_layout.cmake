# SPDX-License-Identifier: Apache-2.0
# Install layout: each artefact goes where its consumer looks, read from the consumer's pkg-config
# variables, never hard-coded (docs/packaging.md):
#   gostcsp.so (provider)     libcrypto  modulesdir          /usr/lib/x86_64-linux-gnu/ossl-modules
#   gostcsp.so (engine)       libcrypto  enginesdir          /usr/lib/x86_64-linux-gnu/engines-3
#   libgostcsp-pkcs11.so      p11-kit-1  p11_module_path     /usr/lib/x86_64-linux-gnu/pkcs11
#   gostcsp.module            p11-kit-1  p11_module_configs  /usr/share/p11-kit/modules
# The default prefix is libcrypto's own (/usr on Debian), so `cmake --install` lays out the same
# tree as the Debian package, with one prefix and the config in /etc (GNUInstallDirs' rule for
# /usr). With another CMAKE_INSTALL_PREFIX each directory keeps its path below the dependency's
# prefix and moves below ours (e.g. /opt/gostcsp/lib/x86_64-linux-gnu/ossl-modules): a
# self-contained tree, found through OPENSSL_MODULES, OPENSSL_ENGINES and a module path.
# A build tree configured before this layout (absolute directory caches, the /usr/local default)
# is moved to it once.
set(GOSTCSP_OLD_LAYOUT OFF)
if(NOT DEFINED CACHE{GOSTCSP_INSTALL_LAYOUT} AND DEFINED CACHE{GOSTCSP_PROVIDER_MODULESDIR})
  set(GOSTCSP_OLD_LAYOUT ON)
  foreach(var GOSTCSP_PROVIDER_MODULESDIR GOSTCSP_ENGINE_ENGINESDIR GOSTCSP_P11_MODULE_DIR
              GOSTCSP_P11_MODULE_CONFIGS)
    unset(${var} CACHE)
  endforeach()
endif()
set(GOSTCSP_INSTALL_LAYOUT 2 CACHE INTERNAL "install layout of cmake/install_layout.cmake")
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT OR
   (GOSTCSP_OLD_LAYOUT AND CMAKE_INSTALL_PREFIX STREQUAL "/usr/local"))
  pkg_get_variable(GOSTCSP_LIBCRYPTO_PREFIX libcrypto prefix)
  if(GOSTCSP_LIBCRYPTO_PREFIX)
    set(CMAKE_INSTALL_PREFIX "${GOSTCSP_LIBCRYPTO_PREFIX}" CACHE PATH
        "Install prefix (default: libcrypto's, so that OpenSSL and p11-kit find what is installed)"
        FORCE)
  endif()
endif()

# gostcsp_consumer_dir(<out> <pkg-config package> <variable> <fallback below the prefix>)
# Sets <out> to the directory relative to CMAKE_INSTALL_PREFIX (absolute only when the package
# puts it outside its own prefix).
function(gostcsp_consumer_dir out package variable fallback)
  pkg_get_variable(dir ${package} ${variable})
  pkg_get_variable(dep_prefix ${package} prefix)
  if(NOT dir)
    set(dir "${fallback}")
  elseif(dep_prefix)
    string(LENGTH "${dep_prefix}/" n)
    string(SUBSTRING "${dir}" 0 ${n} head)
    if(head STREQUAL "${dep_prefix}/")
      string(SUBSTRING "${dir}" ${n} -1 dir)
    endif()
  endif()
  set(${out} "${dir}" PARENT_SCOPE)
endfunction()

# gostcsp_install_path(<out> <dir>): the absolute installed path of <dir> (as written into
# configuration files such as gostcsp.module).
function(gostcsp_install_path out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
