<?php
// Debian's entry point (/etc/adminer/conf.php: its plugins, no phoning home) plus, as in the official
// adminer image, ADMINER_DEFAULT_SERVER: the value the login form's server field starts with.
define('ADMINER_DIR', '/usr/share/adminer');

class PacsDefaultServer {
	function loginFormField($name, $heading, $value) {
		$server = getenv('ADMINER_DEFAULT_SERVER');
		if ($name != 'server' || $server === false || $server === '') {
			return null;
		}
		return $heading . str_replace('value=""', 'value="' . htmlspecialchars($server, ENT_QUOTES) . '"', $value) . "\n";
	}
}

function adminer_object() {
	include_once ADMINER_DIR . '/include/plugins.inc.php';
	foreach (glob(ADMINER_DIR . '/plugins/*.php') as $filename) {
		include_once $filename;
	}
	return new Adminer\Plugins(array(new AdminerVersionNoverify(), new PacsDefaultServer()));
}

include ADMINER_DIR . '/adminer.php';
