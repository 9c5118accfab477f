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
consent-client-site = О приложении { $client }
consent-client-policy = Политика конфиденциальности
consent-client-terms = Условия использования
consent-client-links = О приложении

## Подвал каждой страницы: ссылки организации
footer-links = Ссылки { $tenant }
footer-support = Помощь
footer-terms = Условия
footer-privacy = Конфиденциальность

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

## Письма
mail-test-subject = { $tenant }: тестовое письмо от Gatehouse
mail-test-body = Gatehouse может отправлять письма для { $tenant }.
mail-test-nothing-to-do = Это письмо проверяет настройки почты; ничего делать не нужно.

## Страницы для запросов, которые не могут продолжиться
error-status = HTTP { $status }
error-sign-in-link-title = Эта ссылка для входа не работает
error-request-malformed = Запрос составлен неверно: { $detail }
error-no-client = В запросе не указано приложение (нет client_id).
error-unknown-client = Приложения «{ $client }» здесь нет.
error-redirect-unregistered = Этот redirect_uri не зарегистрирован для приложения.
error-no-redirect = В запросе нет redirect_uri.
error-client-gone = Этого приложения больше нет.
error-form-expired-title = Срок действия формы истёк
error-form-expired = Вернитесь в приложение и войдите снова.
error-sealed = Вход занял слишком много времени, или форма была изменена. Вернитесь в приложение и попробуйте ещё раз.
error-sign-out-title = Выйти не удалось
error-sign-out-repeated = В запросе параметр повторяется.
error-sign-out-expired = Срок действия формы истёк; выйдите снова из приложения.
error-logout-client-mismatch = client_id не совпадает с id_token_hint
error-logout-no-client = для post_logout_redirect_uri нужен client_id или id_token_hint
error-logout-unregistered = этот post_logout_redirect_uri не зарегистрирован для приложения
error-logout-invalid-uri = неверный post_logout_redirect_uri
error-not-found-title = Страница не найдена
error-not-found = по адресу { $path } ничего нет

## Второй фактор при входе
mfa-title = Двухэтапный вход
mfa-heading = Введите код из приложения-аутентификатора.
mfa-code = Код
mfa-code-help = Шесть цифр; пробелы допустимы.
mfa-submit = Продолжить
mfa-error-wrong = Код неверен или уже использован. Введите текущий код.
mfa-error-locked = Слишком много неверных кодов. Подождите несколько минут и попробуйте снова.

## Страница аккаунта
login-continue-account = чтобы открыть ваш аккаунт
account-title = Ваш аккаунт
account-heading = Ваш аккаунт { $tenant }
account-profile = Профиль
account-username = Имя пользователя
account-name = Имя
account-email = E-mail
account-factors = Двухэтапный вход
account-factors-none = Вы входите только по паролю. Добавьте приложение-аутентификатор, чтобы украденного пароля было недостаточно.
account-factor-totp = Приложение-аутентификатор
account-factor-added = добавлено { $date }
account-factor-used = последнее использование { $date }
account-factor-remove = Удалить
account-totp-add = Настроить приложение-аутентификатор
account-notice-totp-added = Приложение-аутентификатор включено: при входе будет запрошен его код.
account-notice-factor-removed = Второй фактор удалён.

## Настройка приложения-аутентификатора
totp-title = Настройка приложения-аутентификатора
totp-scan = Отсканируйте этот QR-код приложением-аутентификатором (например, Aegis, Google Authenticator, Microsoft Authenticator или 1Password).
totp-qr-label = QR-код ключа для приложения-аутентификатора
totp-manual = Не получается отсканировать? Введите этот ключ в приложение вручную:
totp-uri = Показать ключ как ссылку
totp-code = Код из приложения
totp-code-help = Введите шесть цифр, которые приложение показывает сейчас, чтобы проверить, что всё работает.
totp-submit = Включить
totp-error-wrong = Код неверен. Проверьте, что часы телефона идут верно, и введите текущий код.

## Коды восстановления
mfa-heading-recovery = Введите один из ваших кодов восстановления. Каждый действует один раз.
mfa-recovery-code = Код восстановления
mfa-recovery-code-help = Как записано, например ABCD-EFGH-JKLM-NPQR; регистр и дефисы не важны.
mfa-use-recovery = Потеряли телефон? Войдите с кодом восстановления
mfa-use-totp = Использовать приложение-аутентификатор
account-recovery = Коды восстановления
account-recovery-none = Если вы потеряете телефон, код восстановления позволит войти без него. Кодов у вас пока нет.
account-recovery-left = Осталось кодов восстановления: { $count } из 10.
account-recovery-create = Создать коды восстановления
account-recovery-renew = Создать новые коды восстановления (старые перестанут действовать)
recovery-title = Ваши коды восстановления
recovery-once = Запишите или распечатайте их сейчас и храните в надёжном месте: они показываются только один раз.
recovery-use = Каждый код позволяет войти один раз вместо приложения-аутентификатора. Когда коды заканчиваются, создайте новый набор.
recovery-done = Вернуться в аккаунт

## Одноразовые коды по почте
mail-code-subject = { $tenant }: ваш код для входа
mail-code-body = Ваш код для входа в { $tenant }: { $code }.
mail-code-expires = Он действует один раз, 10 минут.
mail-code-not-you = Если вы сейчас не входили, возможно, кто-то знает ваш пароль: смените его на странице аккаунта.
mfa-heading-email = Введите код из письма.
mfa-heading-email-sent = Мы отправили код на { $address }. Введите его здесь.
mfa-email-code = Код из письма
mfa-email-code-help = Шесть цифр; код действует один раз, 10 минут.
mfa-use-email = Прислать код на почту
mfa-resend-email = Отправить другой код
mfa-error-too-many-codes = За последние минуты отправлено несколько кодов. Используйте самый новый или подождите и попробуйте снова.
mfa-error-not-sent = Сейчас не удалось отправить письмо. Попробуйте чуть позже или войдите другим способом.
account-factor-email = Коды по почте
account-email-add = Присылать код на почту при входе
email-title = Коды по почте
email-sent = Мы отправили код на { $address }. Введите его, чтобы включить коды по почте.
code-submit = Включить
account-notice-email-added = Коды по почте включены: при входе можно получить код на ваш адрес.

## Коды в SMS
sms-code = { $code } — ваш код для входа в { $tenant }. Действует один раз, 10 минут.
mfa-heading-sms = Введите код из SMS.
mfa-heading-sms-sent = Мы отправили код в SMS на { $address }. Введите его здесь.
mfa-sms-code = Код из SMS
mfa-use-sms = Прислать код в SMS
mfa-resend-sms = Отправить другой код
account-factor-sms = Коды в SMS
account-sms-add = Присылать код в SMS при входе
account-sms-phone = Номер мобильного
account-sms-phone-help = В международном формате: + и код страны, например +7 912 345-67-89.
account-sms-phone-invalid = Это не номер мобильного в международном формате. Начните с + и кода страны.
sms-title = Коды в SMS
sms-sent = Мы отправили код в SMS на { $address }. Введите его, чтобы включить коды в SMS.
account-notice-sms-added = Коды в SMS включены: при входе можно получить код на ваш телефон.

## Страница аккаунта: сеансы, приложения, пароль
account-sessions = Где выполнен вход
account-session-started = Вход { $date }
account-session-password = по паролю
account-session-mfa = по паролю и второму фактору
account-session-this = этот браузер
account-sessions-end-others = Выйти на всех остальных устройствах
account-apps = Приложения с доступом
account-apps-none = Вы не давали приложениям доступ к аккаунту.
account-app-since = доступ с { $date }
account-app-withdraw = Отозвать доступ
account-password = Пароль
account-password-current = Текущий пароль
account-password-new = Новый пароль
account-password-submit = Сменить пароль
account-password-wrong = Текущий пароль неверен.
account-password-too-short = Новый пароль должен быть не короче { $count } символов.
account-password-same = Новый пароль не должен совпадать с именем пользователя или адресом почты.
account-notice-signed-out-others = Вы вышли на всех остальных устройствах.
account-notice-app-removed = У приложения больше нет доступа к вашему аккаунту.
account-notice-password-changed = Пароль изменён; вы вышли на всех остальных устройствах.
