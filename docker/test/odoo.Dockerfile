# Stand-in for the official `odoo:18.0` image (odoo/docker, folder 18.0), for
# the Docker test only: no container registry is reachable there. Built on the
# debootstrapped Debian bookworm base (docker/test/base-image.sh) from Debian's
# packages, with the Odoo source of ODOO_SRC as build context:
#
#   docker build --network host -f docker/test/odoo.Dockerfile \
#       -t sicantik-test/odoo:18.0 "$ODOO_SRC"
#
# The contract docker/Dockerfile relies on, as in the official image: user
# `odoo` (home /var/lib/odoo), /etc/odoo owned by it, `odoo` on PATH, Odoo 18's
# Debian dependencies (the Depends of its debian/control), pip3,
# postgresql-client (pg_isready, pg_dump) and curl (health check).
# Not reproduced: wkhtmltopdf (a download outside Debian), rtlcss, fonts-noto-cjk.
ARG BASE_IMAGE=sicantik-test/debian:bookworm
FROM ${BASE_IMAGE}

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        adduser ca-certificates curl fonts-dejavu-core gsfonts libjs-underscore \
        postgresql-client python3 python3-pip python3-setuptools \
        python3-asn1crypto python3-babel python3-chardet python3-cryptography \
        python3-dateutil python3-decorator python3-docutils python3-geoip2 \
        python3-gevent python3-greenlet python3-idna python3-jinja2 python3-ldap \
        python3-libsass python3-lxml python3-magic python3-markupsafe \
        python3-num2words python3-odf python3-ofxparse python3-openpyxl \
        python3-openssl python3-passlib python3-pdfminer python3-phonenumbers \
        python3-pil python3-polib python3-psutil python3-psycopg2 python3-pydot \
        python3-pyparsing python3-pypdf2 python3-qrcode python3-reportlab \
        python3-requests python3-rjsmin python3-slugify python3-stdnum python3-tz \
        python3-urllib3 python3-vobject python3-watchdog python3-werkzeug \
        python3-xlrd python3-xlsxwriter python3-xlwt python3-zeep \
    && rm -rf /var/lib/apt/lists/*

# What the odoo .deb does: a system user and group `odoo`, home /var/lib/odoo.
RUN adduser --system --home /var/lib/odoo --quiet --group odoo \
    && mkdir -p /etc/odoo /mnt/extra-addons \
    && chown odoo /etc/odoo /mnt/extra-addons /var/lib/odoo

# The .deb installs the odoo package into Python's dist-packages and odoo-bin as
# /usr/bin/odoo; byte-compiled at build time like its postinst does.
COPY odoo /usr/lib/python3/dist-packages/odoo
COPY odoo-bin /usr/bin/odoo
RUN chmod 0755 /usr/bin/odoo \
    && python3 -m compileall -q -j 0 /usr/lib/python3/dist-packages/odoo >/dev/null \
    && printf '[options]\naddons_path = /mnt/extra-addons\ndata_dir = /var/lib/odoo\n' \
        >/etc/odoo/odoo.conf \
    && chown odoo /etc/odoo/odoo.conf

ENV LANG=C.UTF-8 \
    ODOO_VERSION=18.0 \
    ODOO_RC=/etc/odoo/odoo.conf
VOLUME ["/var/lib/odoo", "/mnt/extra-addons"]
EXPOSE 8069 8071 8072
USER odoo
CMD ["odoo"]
