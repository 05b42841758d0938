# SPDX-License-Identifier: Apache-2.0
# The Debian package (scripts/package.sh; docs/packaging.md says why CPack): the install rules
# above are its only file list, `cpack` reuses the build tree, dpkg-shlibdeps computes Depends,
# and every installed ELF file is stripped.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME gostcsp)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "gostcsp developers <gostcsp-dev@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "GOST R 34.10-2012 PKCS#11 module, OpenSSL 3 provider, soft token")
set(CPACK_PACKAGE_DESCRIPTION
    "GOST R 34.10-2012 signatures (256 and 512 bits, every TC26 parameter set),
GOST R 34.11-2012 (Streebog-256/512) digests and VKO key agreement for
OpenSSL 3 and PKCS#11 applications: the PKCS#11 module libgostcsp-pkcs11.so,
the OpenSSL provider gostcsp.so, the gostcsp ENGINE bridge for the paths of
OpenSSL 3.0 that only take legacy keys, an encrypted soft token and its
administration tool gostcsp-tool.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # gostcsp_<version>_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "p11-kit")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libengine-gost-openssl, opensc")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
# /etc/gostcsp/gostcsp.conf is a conffile: dpkg keeps the administrator's edits on upgrade.
file(WRITE "${CMAKE_BINARY_DIR}/deb-control/conffiles" "${GOSTCSP_SYSCONF_DIR}/gostcsp.conf\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${CMAKE_BINARY_DIR}/deb-control/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_PACKAGE_DIRECTORY "${CMAKE_BINARY_DIR}/package")
include(CPack)
