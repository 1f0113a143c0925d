"""Software ingress: static vetting of Python packages before they enter the enclave."""
