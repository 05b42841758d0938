# SPDX-License-Identifier: Apache-2.0
# Installed documentation (README, docs/*.md, the Debian copyright and changelog), the man page
# of gostcsp-tool and the configuration file with the documented defaults. Man page and
# changelog are compressed as Debian policy asks (gzip -9n: no name or time stamp inside).
set(GOSTCSP_PACKAGING_DIR "${PROJECT_SOURCE_DIR}/packaging/deb")
set(GOSTCSP_GZIPPED "")
foreach(pair "docs/man/gostcsp-tool.1|gostcsp-tool.1.gz" "packaging/deb/changelog|changelog.gz")
  string(REPLACE "|" ";" pair "${pair}")
  list(GET pair 0 src)
  list(GET pair 1 out)
  add_custom_command(OUTPUT "${CMAKE_BINARY_DIR}/doc/${out}"
    COMMAND sh -c "gzip -9n -c \"$1\" > \"$2\"" sh "${PROJECT_SOURCE_DIR}/${src}"
            "${CMAKE_BINARY_DIR}/doc/${out}"
    DEPENDS "${PROJECT_SOURCE_DIR}/${src}" VERBATIM)
  list(APPEND GOSTCSP_GZIPPED "${CMAKE_BINARY_DIR}/doc/${out}")
endforeach()
file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/doc")
add_custom_target(gostcsp_docs ALL DEPENDS ${GOSTCSP_GZIPPED})

install(FILES "${CMAKE_BINARY_DIR}/doc/gostcsp-tool.1.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
file(GLOB GOSTCSP_DOC_PAGES CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/docs/*.md")
install(FILES "${PROJECT_SOURCE_DIR}/README.md" ${GOSTCSP_DOC_PAGES}
              "${GOSTCSP_PACKAGING_DIR}/copyright" "${CMAKE_BINARY_DIR}/doc/changelog.gz"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}")

# The configuration the keystore reads by default (keystore/.../config.hpp: /etc/gostcsp): with
# the /usr prefix GNUInstallDirs gives /etc; another prefix gets <prefix>/etc/gostcsp, which
# the programs read when GOSTCSP_CONF names it.
set(GOSTCSP_SYSCONF_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/gostcsp")
install(FILES "${PROJECT_SOURCE_DIR}/pkcs11/gostcsp.conf.sample" DESTINATION "${GOSTCSP_SYSCONF_DIR}"
        RENAME gostcsp.conf)
