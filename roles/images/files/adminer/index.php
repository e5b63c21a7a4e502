<?php
// Debian's adminer entry point (plugins, no phoning home), served at / by PHP's built-in server.
include '/etc/adminer/conf.php';
