# Python runtime: Debian minbase with python3, venv and pip from the host's Debian mirror.
recipe() {
  step "apt-get install python3 python3-venv python3-pip ca-certificates"
  apt_install python3 python3-venv python3-pip ca-certificates
  step "$(in_root python3 --version)"
}
