/*
 * What droppers, stealers and miners carry in clear inside native code (issue 16).
 * Read by airlock.imports.packages.native with yara-python; each rule's meta says how
 * serious a match is ("critical" denies, "high" holds) and why, in words for an approver.
 * Strings are matched as ASCII and UTF-16 ("wide"): Windows binaries keep paths as UTF-16.
 */

rule exfiltration_endpoint
{
    meta:
        severity = "critical"
        why = "native code carries an exfiltration endpoint or a download-and-run line"
    strings:
        $discord = /discord(app)?\.com\/api\/webhooks\/[0-9]+/ nocase ascii wide
        $telegram = /api\.telegram\.org\/bot[0-9]{5,}/ nocase ascii wide
        $pastebin = "pastebin.com/raw/" nocase ascii wide
        $encoded_ps = /-EncodedCommand [A-Za-z0-9+\/=]{40,}/ nocase ascii wide
        $transfer = "transfer.sh/" nocase ascii wide
        $ngrok = "ngrok.io" nocase ascii wide
        $webhook_site = "webhook.site/" nocase ascii wide
        $pipe_to_shell = /(curl|wget) [^\x00]{0,80}\| *(ba)?sh\b/ nocase ascii
        $iwr_exe = /Invoke-WebRequest [^\x00]{0,120}\.exe/ nocase ascii wide
    condition:
        any of them
}

rule reverse_shell
{
    meta:
        severity = "critical"
        why = "native code holds a reverse-shell command line"
    strings:
        $dev_tcp = /(ba)?sh -i *[>&]+ *\/dev\/tcp\// ascii
        $nc_exec = /\bnc(at)? [^\x00]{0,60}-e \/bin\/(ba)?sh/ ascii
        $mkfifo = /mkfifo [^\x00]{0,40}\/tmp\/[^\x00]{0,40}\| *\/bin\/(ba)?sh/ ascii
    condition:
        any of them
}

rule crypto_miner
{
    meta:
        severity = "critical"
        why = "native code carries a cryptocurrency miner's pool address or options"
    strings:
        $stratum = /stratum\+(tcp|ssl|tls):\/\/[a-z0-9.\-]{4,}/ nocase ascii wide
        $xmrig = "xmrig" nocase ascii wide
        $donate = "--donate-level" ascii wide
    condition:
        $stratum or ($xmrig and $donate)
}

rule credential_store
{
    meta:
        severity = "high"
        why = "native code names browser or wallet credential stores"
    strings:
        $chrome_login = "\\Google\\Chrome\\User Data\\Default\\Login Data" nocase ascii wide
        $leveldb = "\\Local Storage\\leveldb" nocase ascii wide
        $exodus = "Exodus\\exodus.wallet" nocase ascii wide
        $discord_store = "\\Discord\\Local Storage" nocase ascii wide
        $wallet_dat = { 77 61 6C 6C 65 74 2E 64 61 74 00 }
    condition:
        any of them
}

rule packed_executable
{
    meta:
        severity = "high"
        why = "native code is packed with UPX: what it runs cannot be read until it unpacks"
    strings:
        $upx_info = "$Info: This file is packed with the UPX" ascii
        $upx_section = "UPX!" ascii
        $upx0 = "UPX0" ascii
    condition:
        $upx_info or ($upx_section and $upx0)
}
