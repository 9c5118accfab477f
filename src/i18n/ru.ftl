# Страницы Gatehouse на русском. Ключи те же, что в en.ftl (это проверяет
# тест в src/i18n/mod.rs). Аргументы: $tenant, $client, $user, $status.

## Вход
login-title = Вход
login-heading = Вход в { $tenant }
login-continue = чтобы продолжить в { $client }
login-username = Имя пользователя или e-mail
login-password = Пароль
login-submit = Войти
login-error-wrong = Неверное имя пользователя или пароль.
login-error-again = Пожалуйста, войдите снова.

## Согласие
consent-title = Разрешить доступ
consent-heading = { $client } запрашивает доступ к вашей учётной записи { $tenant }
consent-signed-in-as = Вы вошли как
consent-switch = Не вы? Войти под другой учётной записью
consent-required = Передаётся всегда
consent-optional = На ваш выбор
consent-untick = Снимите отметку с того, чем не хотите делиться.
consent-allow = Разрешить
consent-deny = Отказать

## Что означают области OpenID Connect
scope-openid = Вход от вашего имени
scope-profile = Ваше имя и имя пользователя
scope-email = Ваш адрес электронной почты
scope-offline_access = Оставаться на связи, когда вы не пользуетесь приложением
scope-account = Изменять ваше имя и адрес электронной почты

## Выход
logout-title = Выход
logout-heading = Выйти из { $tenant }?
logout-submit = Выйти
logged-out-title = Вы вышли
logged-out-heading = Вы вышли из системы
logged-out-text = Вы вышли из { $tenant }. Это окно можно закрыть.

## Ошибки
error-status = HTTP { $status }
